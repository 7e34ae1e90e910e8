"""Token counts without a request: exact for OpenAI's encodings, an estimate elsewhere.

``llmkit.count_tokens`` asks the provider's counting endpoint where it has one; for a provider
without one it comes here: models whose tokenizer is an OpenAI encoding (o200k_base,
cl100k_base) are counted exactly from the vocabulary shipped in this package (``method`` is
``"offline:<encoding>"``); any other model gets an estimate of 4 characters a token,
``exact=False`` and ``method="estimate:chars/4"``. Nothing here does I/O beyond reading the
package's own data, and nothing loads until the first count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from llmkit.types import Message, TokenCount, Tool

__all__ = ["count_offline", "encoding_for", "estimate"]

# Model name prefix -> encoding (tiktoken's model table, tiktoken/model.py), for models the
# catalog (``llmkit.catalog``'s ``tokenizer``) does not list (Azure deployments, gateways' names,
# models newer than the catalog's snapshot); the longest prefix wins.
_PREFIXES: dict[str, str] = {
    "gpt-5": "o200k_base",
    "gpt-4.5": "o200k_base",
    "gpt-4.1": "o200k_base",
    "gpt-4o": "o200k_base",
    "chatgpt-4o": "o200k_base",
    "o1": "o200k_base",
    "o3": "o200k_base",
    "o4": "o200k_base",
    "codex-mini": "o200k_base",  # o4-mini's
    "gpt-4": "cl100k_base",
    "gpt-3.5-turbo": "cl100k_base",
    "gpt-35-turbo": "cl100k_base",  # Azure's spelling
    "text-embedding-3": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base",
}
_ORDER = sorted(_PREFIXES, key=len, reverse=True)


def encoding_for(name: str, provider: str | None = None) -> str | None:
    """The OpenAI encoding of a model name (its last path segment: ``openai/gpt-4o`` on a gateway
    is gpt-4o), or None when its tokenizer is not one llmkit ships: the catalog's ``tokenizer``
    for ``provider/name`` where it lists one, else the prefix table."""
    base = name.rsplit("/", 1)[-1].lower()
    if base.startswith("gpt-oss"):
        # o200k_harmony's vocabulary, but its chat template adds a system message whose tokens
        # depend on the server: no exact count offline.
        return None
    listed = _catalog_tokenizer(provider, name) if provider else None
    if listed in _bpe_names():
        return listed
    for prefix in _ORDER:
        if base == prefix or base.startswith((prefix + "-", prefix + ".")):
            return _PREFIXES[prefix]
    return None


def _catalog_tokenizer(provider: str, name: str) -> str | None:
    from llmkit.catalog import model_info  # loads the catalog's data on first use

    info = model_info(f"{provider}/{name}")
    return info.tokenizer if info is not None else None


def _bpe_names() -> frozenset[str]:
    return frozenset(_PREFIXES.values())


def count_offline(
    name: str, messages: Sequence[Message], tools: Iterable[Tool] = (), provider: str | None = None
) -> TokenCount:
    """The input tokens of a chat request to model ``name``, counted here: exact for OpenAI
    encodings (with the chat framing; tools and images flagged inexact), else an estimate."""
    from llmkit.tokens import _bpe

    tools = list(tools)
    encoding = encoding_for(name, provider)
    if encoding is None or not _bpe.have_regex():
        return estimate(messages, tools)
    from llmkit.tokens._openai import count_chat

    tally = count_chat(_bpe.get_encoding(encoding), messages, tools, name.rsplit("/", 1)[-1].lower())
    method = f"offline:{encoding}"
    if tally.approx:
        method += " (approximate: " + ", ".join(sorted(tally.approx)) + ")"
    return TokenCount(tally.tokens, exact=not tally.approx, method=method)


def estimate(messages: Sequence[Message], tools: Sequence[Tool] = ()) -> TokenCount:
    """About 4 characters a token (OpenAI's rule of thumb for English) over the messages' text
    and the tools' JSON, plus 3 a message; never exact."""
    chars = 0
    for m in messages:
        chars += len(m.role) + len(m.name or "") + 12
        chars += len(m.content) if isinstance(m.content, str) else sum(_chars(p) for p in m.content)
        chars += sum(len(c.name) + len(c.raw_arguments) for c in m.tool_calls)
    for t in tools:
        chars += len(t.name) + len(t.description) + len(json.dumps(dict(t.parameters), default=str))
    return TokenCount((chars + 3) // 4, exact=False, method="estimate:chars/4")


def _chars(part: Any) -> int:
    text = getattr(part, "text", None)
    return len(text) if isinstance(text, str) else 0
