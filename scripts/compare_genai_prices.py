"""Cross-check the shipped catalog's standard prices against pydantic's genai-prices (maintainer tool).

    pip install genai-prices && python scripts/compare_genai_prices.py [--all]

Prices 1,000 input and 1,000 output tokens (below every context tier) of each catalogued chat
model through genai-prices' own matcher and prints where the two sources disagree. A second,
independently kept source: a disagreement means one of them (or a provider's page) moved; read
the provider's page before a release. Not run by the tests (genai-prices needs pydantic).
"""

from __future__ import annotations

import argparse
import collections
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

# llmkit's provider names -> genai-prices' provider ids
GENAI_PRICES = {
    "openai": "openai", "anthropic": "anthropic", "gemini": "google", "deepseek": "deepseek",
    "mistral": "mistral", "xai": "x-ai", "groq": "groq", "cohere": "cohere", "together_ai": "together",
    "fireworks_ai": "fireworks", "cerebras": "cerebras", "perplexity": "perplexity", "bedrock": "aws",
    "azure_openai": "azure", "novita": "novita", "deepinfra": "deepinfra", "moonshot": "moonshotai",
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="print every disagreement, not the first 40")
    args = ap.parse_args(argv)
    import genai_prices

    import llmkit.catalog

    n = 1000
    usage = genai_prices.Usage(input_tokens=n, output_tokens=n)
    stats: collections.Counter[str] = collections.Counter()
    differ = []
    for provider, gid in GENAI_PRICES.items():
        for m in llmkit.catalog.models(provider):
            s = m.prices.standard
            if m.mode != "chat" or s.input is None or s.output is None:
                continue
            try:
                theirs = genai_prices.calc_price(usage, m.model, provider_id=gid)
            except LookupError:
                stats["not in genai-prices"] += 1
                continue
            ours = (s.input + s.output) * n / Decimal(1_000_000)
            if abs(theirs.total_price - ours) > Decimal("1e-9"):
                stats["differ"] += 1
                rates = f"{theirs.input_price * 1000}/{theirs.output_price * 1000}"
                differ.append(f"{m.name}: ours {s.input}/{s.output}, theirs {rates} ({theirs.model.id})")
            else:
                stats["agree"] += 1
    print(dict(stats))
    for line in differ if args.all else differ[:40]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
