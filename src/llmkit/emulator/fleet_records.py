"""How an OpenAI-compatible fleet profile is written: ``doc`` (a provider as its API reference
documents it: every chat and embeddings path in full from the host root, its key header and error
shape) and ``v1`` (the commonest layout, ``/v1/chat/completions`` at the host root).

``fleet_profiles``, ``gateway_profiles`` and ``compat_a_profiles`` hold the records themselves.
"""

from __future__ import annotations

import re
from typing import Any

from llmkit.emulator.profiles import Profile

__all__ = ["BEARER", "PATH_VALUES", "doc", "v1"]

_OPENAI = "llmkit.emulator.openai:handle"
BEARER = (("authorization", "Bearer "),)
# What the emulator puts where a documented path has a caller's segment (base URLs it hands out).
PATH_VALUES = {"account_id": "emulated-account", "endpoint_id": "emulated-endpoint"}


def _route(pattern: str) -> re.Pattern[str]:
    """A documented path as a regular expression: each ``{segment}`` matches one path segment."""
    parts = re.split(r"(\{[a-z_]+\})", pattern)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?")


def _base(chat: str, base: str | None) -> str:
    path = base if base is not None else chat.rsplit("/chat/completions", 1)[0]
    return re.sub(r"\{([a-z_]+)\}", lambda m: PATH_VALUES.get(m[1], f"emulated-{m[1]}"), path)


def doc(
    name: str,
    chat: str | tuple[str, ...],
    embeddings: str | tuple[str, ...] = (),
    *,
    base: str | None = None,
    auth: tuple[tuple[str, str], ...] = BEARER,
    bad_key_status: int = 401,
    shape: str = "openai",
    headers: dict[str, str] | None = None,
    query: tuple[str, ...] = (),
    **habits: Any,
) -> Profile:
    """One provider as its reference documents it. ``chat``/``embeddings``: every documented path
    (full, from the host root); ``base``: the base URL path its docs tell clients to configure,
    when it is not the chat path less ``/chat/completions``."""
    chats = (chat,) if isinstance(chat, str) else chat
    embeds = (embeddings,) if isinstance(embeddings, str) else embeddings
    # Compatible servers that expose reasoning mostly use DeepSeek's field name.
    habits.setdefault("reasoning_field", "reasoning_content")
    habits["routes"] = tuple((_route(p), "chat") for p in chats) + tuple(
        (_route(p), "embeddings") for p in embeds
    )
    reranks = habits.pop("rerank", ())  # a Cohere-compatible /rerank beside the OpenAI routes
    habits["routes"] += tuple((_route(p), "rerank") for p in reranks)
    habits["documented_paths"] = {"chat": chats, "embeddings": embeds}
    return Profile(
        name,
        _OPENAI,
        base_path=_base(chats[0], base),
        auth_headers=auth,
        bad_key_status=bad_key_status,
        error_shape=shape,
        required_headers=headers or {},
        required_query=query,
        extra=habits,
    )


def v1(name: str, embeddings: bool = False, **kw: Any) -> Profile:
    """The commonest documentation: ``/v1/chat/completions`` (and ``/v1/embeddings``) at the host root."""
    return doc(name, "/v1/chat/completions", "/v1/embeddings" if embeddings else (), **kw)
