"""What the catalog knows about one model: limits, capabilities, prices, and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Per-token prices are USD per million tokens; per-unit prices (per_image, per_audio_second, ...)
# are USD per unit. Decimal, so a hand computation from a price page compares exactly.
TOKEN_FIELDS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "reasoning",
    "input_audio",
    "output_audio",
    "input_image",
    "output_image",
)
UNIT_FIELDS = ("per_image", "per_input_image", "per_audio_second", "per_input_second", "per_output_second")


@dataclass(frozen=True, slots=True)
class Rates:
    """One set of rates (the standard one, a service tier's, or a tier above a context size).

    ``None`` means the source lists no price for that part (never a zero standing in for one)."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None  # the 5-minute (default) cache write
    cache_write_1h: Decimal | None = None
    reasoning: Decimal | None = None  # only when billed apart from output
    input_audio: Decimal | None = None
    output_audio: Decimal | None = None
    input_image: Decimal | None = None
    output_image: Decimal | None = None

    def over(self, base: Rates) -> Rates:
        """These rates where given, ``base``'s elsewhere."""
        return Rates(**{f: getattr(self, f) if getattr(self, f) is not None else getattr(base, f)
                        for f in TOKEN_FIELDS})  # fmt: skip


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Rates that apply to the whole request once its prompt exceeds ``above`` tokens."""

    above: int
    rates: Rates
    service_tiers: dict[str, Rates] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prices:
    standard: Rates
    # "batch", "flex", "priority": the rates a service tier or the batch API bills instead.
    service_tiers: dict[str, Rates] = field(default_factory=dict)
    tiers: tuple[PriceTier, ...] = ()
    per_image: Decimal | None = None  # an output image
    per_input_image: Decimal | None = None
    per_audio_second: Decimal | None = None  # input audio, per second
    per_input_second: Decimal | None = None
    per_output_second: Decimal | None = None

    @property
    def known(self) -> bool:
        return (
            self.standard.input is not None
            or self.standard.output is not None
            or (self.per_image is not None)
        )


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One catalogued model. Capability flags are ``None`` when the source does not say."""

    provider: str
    model: str
    mode: str | None
    context_window: int | None
    max_output_tokens: int | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    tools: bool
    parallel_tools: bool
    vision: bool
    json_schema: bool
    reasoning: bool
    prompt_caching: bool
    capabilities: frozenset[str]
    deprecation_date: str | None
    prices: Prices
    tokenizer: str | None  # an exact offline tokenizer's name (o200k_base, ...) where known
    # Provenance: the upstream entry (its key), the page the upstream cites, the snapshot.
    source_key: str
    source_url: str | None
    snapshot: str
    snapshot_date: str
    alias_of: str | None = None  # the listed name a dated or prefixed request resolved to

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.model}"

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities


def _dec(v: Any) -> Decimal | None:
    return Decimal(v) if isinstance(v, str) else None


def rates_of(raw: dict[str, Any]) -> Rates:
    return Rates(**{f: _dec(raw.get(f)) for f in TOKEN_FIELDS})


def prices_of(raw: dict[str, Any]) -> Prices:
    variants = ("batch", "flex", "priority")
    tiers = tuple(
        PriceTier(
            above=t["above"],
            rates=rates_of(t),
            service_tiers={v: rates_of(t[v]) for v in variants if isinstance(t.get(v), dict)},
        )
        for t in raw.get("tiers", ())
    )
    return Prices(
        standard=rates_of(raw),
        service_tiers={v: rates_of(raw[v]) for v in variants if isinstance(raw.get(v), dict)},
        tiers=tiers,
        **{f: _dec(raw.get(f)) for f in UNIT_FIELDS},
    )


def info_of(provider: str, model: str, raw: dict[str, Any], snap: dict[str, Any]) -> ModelInfo:
    caps = frozenset(raw.get("caps", ()))
    return ModelInfo(
        provider=provider,
        model=model,
        mode=raw.get("mode"),
        context_window=raw.get("context_window"),
        max_output_tokens=raw.get("max_output_tokens"),
        input_modalities=tuple(
            raw.get("input_modalities") or (("text", "image") if "vision" in caps else ("text",))
        ),
        output_modalities=tuple(raw.get("output_modalities") or ("text",)),
        tools="tools" in caps,
        parallel_tools="parallel_tools" in caps,
        vision="vision" in caps,
        json_schema="json_schema" in caps,
        reasoning="reasoning" in caps,
        prompt_caching="prompt_caching" in caps,
        capabilities=caps,
        deprecation_date=raw.get("deprecation_date"),
        prices=prices_of(raw.get("prices", {})),
        tokenizer=raw.get("tokenizer"),
        source_key=raw["key"],
        source_url=raw.get("source"),
        snapshot=snap["id"],
        snapshot_date=snap["built"],
    )
