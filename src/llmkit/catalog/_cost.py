"""The cost of a call: the usage a provider returned, priced with the catalog, with provenance.

The usage convention this relies on is llmkit's (types.Usage, docs/cost.md): ``input_tokens``
includes cache reads and cache writes; ``output_tokens`` includes reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from llmkit.catalog._model import ModelInfo, PriceTier, Rates
from llmkit.types import Usage

MILLION = Decimal(1_000_000)
# Service tiers a provider reports that bill the standard rates.
STANDARD_TIERS = frozenset({"", "default", "auto", "standard", "on_demand"})


@dataclass(frozen=True, slots=True)
class CostPart:
    """One line of a bill: ``quantity`` tokens (or images) at ``rate`` (USD per million tokens,
    or per image) = ``amount``. ``cache_class`` is "read", "write_5m", "write_1h" or None."""

    name: str
    quantity: int
    rate: Decimal
    amount: Decimal
    cache_class: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a figure came from, so it can be audited."""

    model: str  # the catalog entry used, "provider/model"
    source_key: str  # the upstream entry's own key
    source_url: str | None  # the price page the upstream cites
    snapshot: str
    snapshot_date: str
    alias_of: str | None = None
    tier_above: int | None = None  # the context threshold whose rates applied, if any
    service_tier: str | None = None  # "batch", "flex", "priority", or None for standard rates
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cost:
    """What a call cost, by part, in ``currency`` (USD: every catalogued price is in USD)."""

    input: Decimal  # fresh (uncached) input tokens
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal  # output tokens other than reasoning
    reasoning: Decimal
    images: Decimal
    parts: tuple[CostPart, ...]
    provenance: Provenance
    currency: str = "USD"
    # The provider's own figure when it returns one (OpenRouter's usage.cost), kept beside ours.
    provider_reported: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.input + self.cache_read + self.cache_write + self.output + self.reasoning + self.images

    @property
    def disagreement(self) -> Decimal | None:
        """``provider_reported - total`` when the provider reported a cost, else None."""
        return None if self.provider_reported is None else self.provider_reported - self.total

    def __float__(self) -> float:
        return float(self.total)


@dataclass(frozen=True, slots=True)
class CostUnavailable:
    """No cost can be given, and why (an unknown model, a part with no listed price, ...).

    It is falsy, so ``if cost := llmkit.cost(...)`` reads naturally; it has no ``total``, so it
    cannot be summed as a zero by mistake."""

    model: str
    reason: str
    provider_reported: Decimal | None = field(default=None)

    def __bool__(self) -> bool:
        return False


class _Missing(Exception):
    """A part has tokens but the source lists no price for it."""


def _rates(info: ModelInfo, input_tokens: int, service: str | None) -> tuple[Rates, PriceTier | None]:
    p = info.prices
    rates = p.standard
    if service is not None:
        if service not in p.service_tiers:
            raise _Missing(f"no {service} prices are listed for {info.name}")
        rates = p.service_tiers[service].over(rates)
    tier = None
    for t in p.tiers:
        if input_tokens > t.above:
            tier = t
    if tier is not None:
        tier_rates = tier.rates.over(rates)
        if service is not None and service in tier.service_tiers:
            tier_rates = tier.service_tiers[service].over(tier_rates)
        rates = tier_rates
    return rates, tier


def _part(name: str, n: int, rate: Decimal | None, cache: str | None = None,
          fallback: tuple[Decimal | None, str] | None = None) -> CostPart:  # fmt: skip
    note = None
    if rate is None and n and fallback is not None and fallback[0] is not None:
        rate, note = fallback
    if rate is None:
        if n:
            raise _Missing(f"{n} {name} tokens but no {name} price is listed")
        rate = Decimal(0)
    return CostPart(name, n, rate, n * rate / MILLION, cache, note)


def _parts(u: Usage, r: Rates) -> list[CostPart]:
    read, written = u.cached_input_tokens, u.cache_creation_input_tokens
    fresh = u.input_tokens - read - written
    written_1h = min(u.cache_write_1h_tokens, written)
    reasoning = min(u.reasoning_tokens, u.output_tokens)
    if fresh < 0:
        raise _Missing(f"usage is inconsistent: input_tokens {u.input_tokens} < cache reads + writes")
    at_input = (r.input, "billed at the input rate: the source lists no cache price")
    at_output = (r.output, "billed as output: the source lists no separate reasoning price")
    return [
        _part("input", fresh, r.input),
        _part("cache_read", read, r.cache_read, "read", at_input),
        _part("cache_write", written - written_1h, r.cache_write, "write_5m", at_input),
        _part("cache_write", written_1h, r.cache_write_1h, "write_1h"),
        _part("output", u.output_tokens - reasoning, r.output),
        _part("reasoning", reasoning, r.reasoning, None, at_output),
    ]


def price(info: ModelInfo, usage: Usage, *, service_tier: str | None = None, batch: bool = False,
          images: int = 0) -> Cost | CostUnavailable:  # fmt: skip
    """Price ``usage`` with ``info``'s rates (see :func:`llmkit.cost`)."""
    reported = Decimal(str(usage.reported_cost)) if usage.reported_cost is not None else None
    tier_name = service_tier if service_tier is not None else usage.service_tier
    service = "batch" if batch else (None if (tier_name or "").lower() in STANDARD_TIERS else tier_name)
    if not info.prices.known:
        return CostUnavailable(info.name, f"the catalog lists no prices for {info.name}", reported)
    try:
        rates, tier = _rates(info, usage.input_tokens, service)
        parts = _parts(usage, rates)
        if images:
            per = info.prices.per_image
            if per is None:
                raise _Missing(f"{images} images but no per-image price is listed")
            parts.append(CostPart("images", images, per, images * per))
    except _Missing as exc:
        return CostUnavailable(info.name, str(exc), reported)

    def total(name: str) -> Decimal:
        return sum((p.amount for p in parts if p.name == name), Decimal(0))

    notes = tuple(dict.fromkeys(p.note for p in parts if p.note))
    prov = Provenance(
        model=f"{info.provider}/{info.alias_of or info.model}",
        source_key=info.source_key,
        source_url=info.source_url,
        snapshot=info.snapshot,
        snapshot_date=info.snapshot_date,
        alias_of=info.alias_of,
        tier_above=tier.above if tier else None,
        service_tier=service,
        notes=notes,
    )
    return Cost(
        input=total("input"),
        cache_read=total("cache_read"),
        cache_write=total("cache_write"),
        output=total("output"),
        reasoning=total("reasoning"),
        images=total("images"),
        parts=tuple(p for p in parts if p.quantity),
        provenance=prov,
        provider_reported=reported,
    )


def price_images(info: ModelInfo, usage: Usage, count: int) -> Cost | CostUnavailable:
    """An image generation's cost: by tokens where the model bills image tokens and the answer
    reported them (gpt-image-1, Gemini image models), else ``count`` images at the per-image price."""
    s = info.prices.standard
    if usage.output_tokens and s.output_image is not None:
        rates = replace(s, output=s.output_image)
        as_tokens = replace(info, prices=replace(info.prices, standard=rates, tiers=()))
        cost = price(as_tokens, usage)
        if isinstance(cost, Cost):
            note = (
                "output tokens billed at the image-output rate; input image tokens (edits) at the text rate"
            )
            prov = replace(cost.provenance, notes=(*cost.provenance.notes, note))
            cost = replace(cost, images=cost.output, output=Decimal(0), provenance=prov)
        return cost
    if info.prices.per_image is not None:
        free = Rates(input=Decimal(0), output=Decimal(0))  # per-image models bill no tokens
        return price(replace(info, prices=replace(info.prices, standard=free)), Usage(), images=count)
    return CostUnavailable(info.name, f"the catalog lists no image price for {info.name}")
