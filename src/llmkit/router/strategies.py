"""Routing strategies: order a group's eligible deployments, best first. Pure functions.

Each strategy gets the candidates and the numbers it needs (read from the state backend by
the policy) and returns an order; the policy then takes the first one it can acquire.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from llmkit.errors import ConfigurationError
from llmkit.router.config import Deployment

__all__ = ["NEEDS", "STRATEGIES", "normalise_strategy", "order"]

# LiteLLM's names, and shorter ones.
_NAMES = {
    "simple-shuffle": "simple-shuffle",
    "shuffle": "simple-shuffle",
    "weighted": "simple-shuffle",
    "least-busy": "least-busy",
    "latency-based-routing": "latency-based-routing",
    "lowest-latency": "latency-based-routing",
    "usage-based-routing": "usage-based-routing",
    "usage-based-routing-v2": "usage-based-routing",
    "usage-based": "usage-based-routing",
    "cost-based-routing": "cost-based-routing",
    "lowest-cost": "cost-based-routing",
}
STRATEGIES = frozenset(_NAMES.values())
# What each strategy reads per candidate: "inflight", "latency" or "usage" (rpm/tpm used).
NEEDS = {
    "simple-shuffle": "",
    "least-busy": "inflight",
    "latency-based-routing": "latency",
    "usage-based-routing": "usage",
    "cost-based-routing": "",
}


def normalise_strategy(name: str) -> str:
    try:
        return _NAMES[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown routing_strategy {name!r}; use one of {', '.join(sorted(STRATEGIES))}"
        ) from None


def _weighted_order(deps: Sequence[Deployment], rng: random.Random) -> list[Deployment]:
    # Efraimidis-Spirakis: sort by u**(1/w); the first is a pick proportional to weight, and the
    # rest are the fallback order, so one draw per deployment gives both.
    if len(deps) == 1:
        return [deps[0]]
    keyed = [(rng.random() ** (1.0 / d.weight), d) for d in deps]
    keyed.sort(key=lambda kv: kv[0], reverse=True)
    return [d for _, d in keyed]


def _by(
    deps: Sequence[Deployment], score: Callable[[Deployment], float], rng: random.Random
) -> list[Deployment]:
    # Lowest score first; ties broken by the weighted shuffle so equal deployments share load.
    shuffled = _weighted_order(deps, rng)
    return sorted(shuffled, key=score)


def order(
    strategy: str,
    deps: Sequence[Deployment],
    rng: random.Random,
    numbers: dict[str, float],
) -> list[Deployment]:
    """``deps`` in the order to try them. ``numbers`` maps deployment ids to what the strategy
    reads (in-flight count, latency EWMA, used share of the rpm/tpm limit)."""
    if strategy == "simple-shuffle":
        return _weighted_order(deps, rng)
    if strategy == "cost-based-routing":
        return _by(deps, lambda d: d.cost if d.cost is not None else float("inf"), rng)
    # least-busy: fewest in flight; latency: lowest EWMA (unmeasured first, so each is measured);
    # usage: the smallest used share of its limits (most headroom).
    return _by(deps, lambda d: numbers.get(d.id, 0.0), rng)
