"""What the ``compatible_*`` spec modules build with: the capability sets, ``caps`` and
``compat`` (a bearer-key OpenAI-compatible spec), and ``every_model_takes`` (an images quirk).

Kept apart from every ``SPECS`` tuple so that a first call to one family loads only that family's
specs, not another family's module for its helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from llmkit.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from llmkit.dialects.openai_chat import OpenAIQuirks

__all__ = ["CHAT", "FULL", "JSON", "REASONING", "STANDARD", "VISION", "caps", "compat", "every_model_takes"]

CHAT = frozenset({"chat", "stream", "tools"})
JSON = frozenset({"json_schema", "json_object"})
STANDARD = CHAT | JSON
VISION = STANDARD | {"vision"}
REASONING = STANDARD | {"reasoning"}
FULL = VISION | {"reasoning", "embeddings"}


def every_model_takes(*names: str) -> Callable[[str], frozenset[str]]:
    """An images quirk: every model of the provider takes these generate_image parameters."""
    taken = frozenset(names)
    return lambda model: taken


def caps(*sets: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for s in sets:
        out.update(s)
    return frozenset(out)


def compat(
    name: str,
    title: str,
    base_url: str,
    env: tuple[str, ...],
    docs: str,
    *,
    capabilities: frozenset[str] = STANDARD,
    quirks: OpenAIQuirks | None = None,
    **kw: Any,
) -> ProviderSpec:
    """A bearer-key OpenAI-compatible provider (the common case)."""
    return ProviderSpec(
        name=name,
        display_name=title,
        dialect="openai_chat",
        base_url=base_url,
        env_keys=env,
        capabilities=capabilities,
        quirks=quirks,
        docs_url=docs,
        **kw,
    )
