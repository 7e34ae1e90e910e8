"""The model catalog: limits, capabilities and prices per model, and the cost of a call.

Data ships in the package (``data/catalog.json.gz``, built by ``scripts/build_catalog.py`` from a
pinned upstream copy) and is read on first use; nothing is fetched at run time. Unknown models
degrade gracefully: :func:`model_info` returns None, :func:`cost` a falsy
:class:`CostUnavailable` that says why.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from llmkit.catalog._cost import Cost, CostPart, CostUnavailable, Provenance
from llmkit.catalog._model import ModelInfo, Prices, PriceTier, Rates

if TYPE_CHECKING:
    from llmkit.types import Usage

__all__ = [
    "Cost",
    "CostPart",
    "CostUnavailable",
    "ModelInfo",
    "PriceTier",
    "Prices",
    "Provenance",
    "Rates",
    "cost",
    "image_cost",
    "model_info",
    "models",
    "providers",
    "snapshot",
]


def _split(model: str) -> tuple[str, str] | None:
    provider, sep, name = model.partition("/")
    return (provider, name) if sep and provider and name else None


def model_info(model: str) -> ModelInfo | None:
    """The catalog entry for ``"provider/model"``, or None when the catalog does not list it.

    A dated or prefixed name that is not listed resolves to the listed name it stamps (see
    docs/catalog.md, "Names"); ``alias_of`` then names it."""
    from llmkit.catalog._data import lookup

    split = _split(model)
    return lookup(*split) if split else None


def models(provider: str | None = None, supports: tuple[str, ...] = ()) -> list[ModelInfo]:
    """Every catalogued model (of one provider), optionally only those with all ``supports``."""
    from llmkit.catalog._data import entries

    return [m for m in entries(provider) if all(m.supports(c) for c in supports)]


def image_cost(model: str, usage: Usage, count: int) -> Cost | CostUnavailable:
    """The cost of an image generation that returned ``count`` images with ``usage``."""
    from llmkit.catalog._cost import price_images

    info = model_info(model)
    if info is None:
        return CostUnavailable(model, f"the catalog does not list {model!r} (see `llmkit models`)")
    return price_images(info, usage, count)


def providers() -> list[str]:
    """The providers the catalog lists models for (llmkit's registry names)."""
    from llmkit.catalog._data import providers as names

    return names()


def snapshot() -> dict[str, str]:
    """The shipped data's snapshot: its id (upstream release), source, licence and build date."""
    from llmkit.catalog._data import snapshot as snap

    return snap()


def cost(model: str, usage: Usage, *, service_tier: str | None = None, batch: bool = False,
         images: int = 0) -> Cost | CostUnavailable:  # fmt: skip
    """The cost of ``usage`` (llmkit's convention: input includes cache reads and writes, output
    includes reasoning) on ``"provider/model"``: a :class:`Cost`, or a falsy
    :class:`CostUnavailable` with the reason. ``service_tier`` ("flex", "priority") and
    ``batch`` pick those rates; ``usage.service_tier`` is used when ``service_tier`` is None."""
    from llmkit.catalog._cost import price

    info = model_info(model)
    if info is None:
        reported = usage.reported_cost
        return CostUnavailable(
            model,
            f"the catalog does not list {model!r} (see `llmkit models`)",
            None if reported is None else Decimal(str(reported)),
        )
    return price(info, usage, service_tier=service_tier, batch=batch, images=images)
