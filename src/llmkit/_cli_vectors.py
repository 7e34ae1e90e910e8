"""The ``llmkit embed`` and ``llmkit rerank`` commands (registered by ``llmkit.cli``).

``llmkit embed -m MODEL "text" ["more text" ...] [--json]`` prints one line per input (its
dimension count and first numbers), or the whole result as JSON; ``llmkit rerank -m MODEL
--query Q doc1 doc2 ...`` prints one line per result, best first (``rank index score
document``), or JSON. Texts may come on standard input instead (one per line)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

_PREVIEW = 4  # numbers of a vector shown per line
_DOC_CHARS = 70


def _texts(args: argparse.Namespace, name: str) -> list[str]:
    items = list(getattr(args, name))
    if not items and not sys.stdin.isatty():  # `cat lines.txt | llmkit embed -m ...`
        items = [line for line in sys.stdin.read().splitlines() if line.strip()]
    return items


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"llmkit: error: {message}\n")
    return code


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _options(pairs: list[str] | None) -> dict[str, Any]:
    """``-o name=value`` provider options; a value that reads as JSON is taken as JSON."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"-o takes name=value, not {pair!r}")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def cmd_embed(args: argparse.Namespace) -> int:
    import llmkit

    texts = _texts(args, "text")
    if not texts:
        return _fail(
            'nothing to embed: pass texts as arguments (llmkit embed -m MODEL "text") or on standard input'
        )
    try:
        kwargs = _options(args.option)
        if args.dimensions is not None:
            kwargs["dimensions"] = args.dimensions
        out = llmkit.embed(args.model, texts, base_url=args.base_url, **kwargs)
    except ValueError as exc:
        return _fail(str(exc))
    except llmkit.LLMKitError as exc:
        return _fail(str(exc), 1)
    if args.json:
        u = out.usage
        usage = {"input_tokens": u.input_tokens, "total_tokens": u.total_tokens}
        _write(
            json.dumps({"model": out.model, "provider": out.provider, "vectors": out.vectors, "usage": usage})
        )
        return 0
    for text, vector in zip(texts, out.vectors, strict=False):
        head = ", ".join(f"{x:.4f}" for x in vector[:_PREVIEW])
        more = ", ..." if len(vector) > _PREVIEW else ""
        _write(f"{len(vector)}\t[{head}{more}]\t{_short(text)}")
    sys.stderr.write(f"[{args.model}: {len(out.vectors)} vectors, {out.usage.total_tokens} tokens]\n")
    return 0


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DOC_CHARS else text[: _DOC_CHARS - 1] + "…"


def cmd_rerank(args: argparse.Namespace) -> int:
    import llmkit

    docs = _texts(args, "document")
    if not args.query.strip():
        return _fail("--query is empty")
    if not docs:
        return _fail(
            'no documents: pass them as arguments (llmkit rerank -m MODEL --query Q "doc 1" "doc 2")'
        )
    try:
        kwargs = _options(args.option)
        out = llmkit.rerank(args.model, args.query, docs, top_n=args.top_n, base_url=args.base_url, **kwargs)
    except ValueError as exc:
        return _fail(str(exc))
    except llmkit.LLMKitError as exc:
        return _fail(str(exc), 1)
    if args.json:
        results = [
            {"index": r.index, "relevance_score": r.relevance_score, "document": docs[r.index]}
            for r in out.results
        ]
        _write(json.dumps({"model": out.model, "provider": out.provider, "results": results}))
        return 0
    for rank, r in enumerate(out.results, 1):
        _write(f"{rank}\t{r.index}\t{r.relevance_score:.4f}\t{_short(docs[r.index])}")
    return 0


def add_commands(sub: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add the two subcommands to ``llmkit``'s parser; their handlers by name."""
    embed = sub.add_parser("embed", help="embed texts (one vector per text)")
    embed.add_argument(
        "-m", "--model", required=True, help="provider/model, e.g. openai/text-embedding-3-small"
    )
    embed.add_argument("--dimensions", type=int, default=None, help="shorten the vectors (models that can)")
    embed.add_argument("--json", action="store_true", help="print the vectors and usage as JSON")
    embed.add_argument("-o", "--option", action="append", metavar="NAME=VALUE", help="a provider option")
    embed.add_argument("--base-url", default=None)
    embed.add_argument("text", nargs="*")
    rerank = sub.add_parser("rerank", help="order documents by relevance to a query")
    rerank.add_argument("-m", "--model", required=True, help="provider/model, e.g. cohere/rerank-v3.5")
    rerank.add_argument("-q", "--query", required=True)
    rerank.add_argument("-n", "--top-n", dest="top_n", type=int, default=None, help="keep the best N")
    rerank.add_argument("--json", action="store_true", help="print the results as JSON")
    rerank.add_argument("-o", "--option", action="append", metavar="NAME=VALUE", help="a provider option")
    rerank.add_argument("--base-url", default=None)
    rerank.add_argument("document", nargs="*")
    return {"embed": cmd_embed, "rerank": cmd_rerank}
