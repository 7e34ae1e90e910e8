"""Rebuild llmkit's shipped model catalog from a pinned upstream copy (a maintainer's tool).

    python scripts/build_catalog.py            # write src/llmkit/catalog/data/catalog.json.gz
    python scripts/build_catalog.py --check    # exit 1 when the shipped data is stale

The input is LiteLLM's ``model_prices_and_context_window.json`` (MIT), vendored gzipped under
``scripts/catalog_sources/`` and named with the LiteLLM release it came from; nothing is fetched
here or at run time. To update: take the JSON from a newer LiteLLM release
(``pip download litellm --no-deps`` and unzip ``litellm/model_prices_and_context_window_backup.json``),
gzip it next to the old one, change ``SOURCE`` below, run this script and read the differences it
prints. docs/architecture.md ("Catalog") says why this source.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "scripts" / "catalog_sources" / "litellm-1.110.2.json.gz"
SNAPSHOT = "litellm-1.110.2"
OUT = ROOT / "src" / "llmkit" / "catalog" / "data" / "catalog.json.gz"

# LiteLLM's provider names -> llmkit's registry names (those not listed map to themselves when
# llmkit registers that name; others are left out of the catalog).
PROVIDER_MAP: dict[str, str] = {
    "azure": "azure_openai",
    "bedrock_converse": "bedrock",
    "friendliai": "friendli",
    "cohere_chat": "cohere",
    "vertex_ai-language-models": "vertex_ai",
    "vertex_ai-embedding-models": "vertex_ai",
    "vertex_ai-anthropic_models": "vertex_ai_anthropic",
    "vertex_ai-mistral_models": "vertex_ai_mistral",
    "vertex_ai-ai21_models": "vertex_ai_ai21",
    "vertex_ai-llama_models": "vertex_ai_maas",
    "vertex_ai-deepseek_models": "vertex_ai_maas",
    "vertex_ai-qwen_models": "vertex_ai_maas",
    "vertex_ai-openai_models": "vertex_ai_maas",
    "vertex_ai-minimax_models": "vertex_ai_maas",
    "vertex_ai-moonshot_models": "vertex_ai_maas",
    "vertex_ai-zai_models": "vertex_ai_maas",
    "bigmodel": "zhipu",
    "fireworks_ai-embedding-models": "fireworks_ai",
}
# Providers whose model id is one URL segment: an upstream key left with a "/" after its provider
# prefix is a per-region duplicate (bedrock/us-gov-east-1/...), not a model name llmkit can send.
ONE_SEGMENT = {"bedrock", "sagemaker", "azure_openai"}

PRICE_KEYS = {  # LiteLLM per-token (or per-unit) key -> llmkit field
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_audio_token": "output_audio",
    "input_cost_per_image_token": "input_image",
    "output_cost_per_image_token": "output_image",
}
UNIT_KEYS = {  # priced per unit, not per token: kept as USD per unit
    "output_cost_per_image": "per_image",
    "input_cost_per_image": "per_input_image",
    "input_cost_per_audio_per_second": "per_audio_second",
    "input_cost_per_second": "per_input_second",
    "output_cost_per_second": "per_output_second",
}
VARIANTS = ("batches", "flex", "priority")
TIER = re.compile(r"^(?P<base>.+)_above_(?P<k>\d+)k_tokens(?:_(?P<variant>[a-z]+))?$")
CAPS = {
    "supports_function_calling": "tools",
    "supports_parallel_function_calling": "parallel_tools",
    "supports_vision": "vision",
    "supports_response_schema": "json_schema",
    "supports_reasoning": "reasoning",
    "supports_prompt_caching": "prompt_caching",
    "supports_audio_input": "audio_input",
    "supports_audio_output": "audio_output",
    "supports_pdf_input": "pdf_input",
    "supports_web_search": "web_search",
}


def per_million(value: Any) -> str | None:
    """A per-token float -> USD per million tokens, exact in decimal (2.5e-06 -> "2.5")."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return _text(Decimal(repr(value)) * 1_000_000)


def _text(d: Decimal) -> str:
    t = format(d.normalize(), "f")
    return t


def unit(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return _text(Decimal(repr(value)))


def prices_of(raw: dict[str, Any]) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    for key, name in PRICE_KEYS.items():
        if (v := per_million(raw.get(key))) is not None:
            prices[name] = v
    for key, name in UNIT_KEYS.items():
        if (v := unit(raw.get(key))) is not None:
            prices[name] = v
    for variant in VARIANTS:
        part = {n: v for k, n in PRICE_KEYS.items() if (v := per_million(raw.get(f"{k}_{variant}")))}
        if part:
            prices["batch" if variant == "batches" else variant] = part
    tiers: dict[int, dict[str, Any]] = {}
    for key, value in raw.items():
        m = TIER.match(key)
        if not m or m["base"] not in PRICE_KEYS or (v := per_million(value)) is None:
            continue
        tier = tiers.setdefault(int(m["k"]) * 1000, {})
        variant = m["variant"]
        if variant is None:
            tier[PRICE_KEYS[m["base"]]] = v
        elif variant in VARIANTS:
            tier.setdefault("batch" if variant == "batches" else variant, {})[PRICE_KEYS[m["base"]]] = v
    if tiers:
        prices["tiers"] = [{"above": k, **tiers[k]} for k in sorted(tiers)]
    return prices


def tokenizer_of(provider: str, model: str) -> str | None:
    """Which tokenizer a model uses, where that is known exactly (for count_tokens later)."""
    if provider not in {"openai", "azure_openai"}:
        return None
    if re.match(r"(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss|codex)", model):
        return "o200k_base"
    if re.match(r"(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)", model):
        return "cl100k_base"
    return None


def entry_of(key: str, raw: dict[str, Any], provider: str, model: str) -> dict[str, Any]:
    e: dict[str, Any] = {"key": key, "mode": raw.get("mode")}
    for src, dst in (("max_input_tokens", "context_window"), ("max_output_tokens", "max_output_tokens")):
        if isinstance(raw.get(src), int):
            e[dst] = raw[src]
    e["caps"] = sorted(dst for src, dst in CAPS.items() if raw.get(src) is True)
    if isinstance(raw.get("supported_modalities"), list):
        e["input_modalities"] = raw["supported_modalities"]
    if isinstance(raw.get("supported_output_modalities"), list):
        e["output_modalities"] = raw["supported_output_modalities"]
    for k in ("deprecation_date", "source"):
        if isinstance(raw.get(k), str):
            e[k] = raw[k]
    if tok := tokenizer_of(provider, model):
        e["tokenizer"] = tok
    e["prices"] = prices_of(raw)
    return e


def build(upstream: dict[str, Any], registered: set[str]) -> dict[str, dict[str, Any]]:
    models: dict[str, dict[str, Any]] = {}
    for key, raw in upstream.items():
        if key == "sample_spec" or not isinstance(raw, dict):
            continue
        lp = raw.get("litellm_provider")
        if not isinstance(lp, str):
            continue
        provider = PROVIDER_MAP.get(lp, lp)
        if provider not in registered:
            continue
        model = key
        head = key.split("/", 1)[0]
        if "/" in key and head in {lp, provider, lp.split("-")[0]}:
            model = key.split("/", 1)[1]
        if provider in ONE_SEGMENT and "/" in model:
            continue
        # The exact provider name wins over a mapped one (bedrock over bedrock_converse).
        slot = models.setdefault(provider, {})
        if model in slot and PROVIDER_MAP.get(lp):
            continue
        slot[model] = entry_of(key, raw, provider, model)
    return {p: dict(sorted(m.items())) for p, m in sorted(models.items())}


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for p in sorted(set(old) | set(new)):
        a, b = old.get(p, {}), new.get(p, {})
        for m in sorted(set(a) - set(b)):
            lines.append(f"- {p}/{m}")
        for m in sorted(set(b) - set(a)):
            lines.append(f"+ {p}/{m}")
        for m in sorted(set(a) & set(b)):
            if a[m] != b[m]:
                keys = sorted(k for k in set(a[m]) | set(b[m]) if a[m].get(k) != b[m].get(k))
                lines.append(f"~ {p}/{m}: {', '.join(keys)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when the shipped data differs")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from llmkit.providers import FAMILIES

    registered = {name for names in FAMILIES.values() for name in names}
    upstream = json.loads(gzip.decompress(SOURCE.read_bytes()))
    models = build(upstream, registered)
    old: dict[str, Any] = {}
    if OUT.exists():
        old = json.loads(gzip.decompress(OUT.read_bytes()))
    changes = diff(old.get("models", {}), models)
    if args.check:
        for line in changes[:50]:
            print(line)
        return 1 if changes or old.get("snapshot", {}).get("id") != SNAPSHOT else 0
    date = datetime.date.today().isoformat() if changes or not old else old["snapshot"]["built"]
    data = {
        "snapshot": {"id": SNAPSHOT, "source": "LiteLLM model_prices_and_context_window.json",
                     "licence": "MIT", "built": date},
        "models": models,
    }  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(data, separators=(",", ":"), sort_keys=False).encode()
    OUT.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    print(f"{sum(len(m) for m in models.values())} models, {len(models)} providers -> {OUT}")
    for line in changes:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
