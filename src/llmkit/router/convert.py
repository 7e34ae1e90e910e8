"""A conversation written for one wire format, prepared for another (a router's fallback).

Pure. Three things do not travel between vendors, so each is decided here, by rule, and every
change is listed on the result (``Conversion.changes``) for the router's decision trace:

- **Reasoning.** A thinking block's signature (Anthropic's ``signature``, Bedrock's
  ``reasoningText.signature``, Gemini's ``thoughtSignature``) and opaque redacted reasoning
  verify only at the vendor whose format made them. They are kept when the target verifies
  the same family of signatures, and otherwise dropped, or, with ``reasoning="text"``, turned
  into plain text of the assistant turn (redacted reasoning has no text and is dropped).
- **Tool-call ids.** Each vendor has its own rule (Mistral: exactly 9 of ``[a-zA-Z0-9]``;
  Anthropic ``[a-zA-Z0-9_-]``; Bedrock ``[a-zA-Z0-9_.:-]``, 1 to 64). An id the target would
  refuse is replaced by one derived from it (the same id always maps to the same new id, so a
  call and its result still pair), unique in the conversation.
- **Cache points** (``cache_control`` on parts and tools) are removed for targets that have
  no inline cache markers (OpenAI-style formats cache on their own; Gemini caches by resource).

The rules per pair of formats are in docs/routing.md, written from ``pair_table()``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from llmkit.errors import ConfigurationError
from llmkit.types import DocumentPart, ImagePart, Message, Part, ReasoningPart, TextPart, Tool, ToolCall

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True, slots=True)
class IdRule:
    """What a format accepts as a tool-call id, and how it makes one from another's."""

    name: str
    pattern: re.Pattern[str] | None = None  # None: any non-empty string
    min_length: int = 1
    max_length: int | None = None
    prefix: str = ""  # of ids made here
    made_length: int = 24  # characters after the prefix

    def valid(self, tool_id: str) -> bool:
        if len(tool_id) < self.min_length or (self.max_length is not None and len(tool_id) > self.max_length):
            return False
        return self.pattern is None or self.pattern.fullmatch(tool_id) is not None

    def make(self, original: str, salt: int = 0) -> str:
        """An id valid here, derived from ``original`` (deterministic: a retried fallback sends
        the same ids, and a response cache sees the same request)."""
        digest = hashlib.sha256(f"{salt}:{original}".encode()).digest()
        n = int.from_bytes(digest, "big")
        chars = []
        for _ in range(self.made_length):
            n, r = divmod(n, len(_ALNUM))
            chars.append(_ALNUM[r])
        return self.prefix + "".join(chars)


ANY_ID = IdRule("any non-empty string")
ANTHROPIC_ID = IdRule("[a-zA-Z0-9_-]+", re.compile(r"[a-zA-Z0-9_-]+"), prefix="toolu_")
# botocore's bedrock-runtime service model, shape ToolUseId.
BEDROCK_ID = IdRule(
    "[a-zA-Z0-9_.:-]{1,64}", re.compile(r"[a-zA-Z0-9_.:-]+"), max_length=64, prefix="tooluse_", made_length=22
)
# OpenAI refuses a tool call id past 40 characters ("string too long. Expected a string with
# maximum length 40"); the published spec gives no bound.
OPENAI_ID = IdRule("any string of at most 40", max_length=40, prefix="call_")
MISTRAL_ID = IdRule(
    "[a-zA-Z0-9]{9}", re.compile(r"[a-zA-Z0-9]{9}"), min_length=9, max_length=9, made_length=9
)


@dataclass(frozen=True, slots=True)
class FormatRules:
    """What one wire format accepts back from a conversation.

    ``signatures`` names the family of reasoning signatures it verifies (None: it takes no
    reasoning back); ``cache_points``: whether it takes inline ``cache_control`` markers."""

    name: str
    signatures: str | None
    tool_ids: IdRule
    cache_points: bool


# Keyed by dialect name (llmkit.dialects DIALECTS). Each signature family is its own dialect's:
# llmkit does not assume a signature made on one platform verifies on another.
FORMATS: Mapping[str, FormatRules] = {
    "openai_chat": FormatRules("openai_chat", None, OPENAI_ID, False),
    "anthropic_messages": FormatRules("anthropic_messages", "anthropic_messages", ANTHROPIC_ID, True),
    "bedrock_converse": FormatRules("bedrock_converse", "bedrock_converse", BEDROCK_ID, True),
    "gemini": FormatRules("gemini", "gemini", ANY_ID, False),
    "cohere": FormatRules("cohere", None, ANY_ID, False),
}
# Providers with a rule of their own on a shared format.
PROVIDER_FORMATS: Mapping[str, FormatRules] = {
    "mistral": FormatRules("mistral", None, MISTRAL_ID, False),
}
# Any other format: takes no reasoning back or cache markers, and any id.
_OTHER = FormatRules("other", None, ANY_ID, False)


def rules_for(dialect: str, provider: str | None = None) -> FormatRules:
    """The rules of a provider's format: its own when it has one (Mistral), else its dialect's."""
    if provider is not None and provider in PROVIDER_FORMATS:
        return PROVIDER_FORMATS[provider]
    return FORMATS.get(dialect, replace(_OTHER, name=dialect))


Reasoning = Literal["drop", "text"]


@dataclass(frozen=True, slots=True)
class Conversion:
    """The converted conversation (and tools), the tool-call ids that were replaced (old ->
    new), and what was changed, one line each."""

    messages: tuple[Message, ...]
    tools: tuple[Tool, ...] | None
    tool_ids: Mapping[str, str] = field(default_factory=dict)
    changes: tuple[str, ...] = ()


def convert(
    messages: Sequence[Message],
    source: FormatRules | str,
    target: FormatRules | str,
    *,
    reasoning: Reasoning = "drop",
    tools: Iterable[Tool] | None = None,
) -> Conversion:
    """``messages`` (written for ``source``) made fit for ``target``. Formats are FormatRules
    or dialect names. Same format in and out: unchanged."""
    if reasoning not in ("drop", "text"):
        raise ConfigurationError(f"reasoning must be 'drop' or 'text', not {reasoning!r}")
    src = source if isinstance(source, FormatRules) else rules_for(source)
    dst = target if isinstance(target, FormatRules) else rules_for(target)
    tool_list = None if tools is None else tuple(tools)
    if src == dst:
        return Conversion(tuple(messages), tool_list)
    changes: list[str] = []
    keep_reasoning = src.signatures is not None and src.signatures == dst.signatures
    ids = _id_map(messages, dst.tool_ids)
    if ids:
        changes.append(f"{len(ids)} tool-call id(s) replaced: {dst.name} takes {dst.tool_ids.name}")
    out = []
    counts = {"dropped": 0, "texted": 0, "cache": 0}
    for m in messages:
        out.append(_message(m, keep_reasoning, reasoning, dst.cache_points, ids, counts))
    if tool_list is not None and not dst.cache_points:
        stripped = tuple(replace(t, cache_control=None) if t.cache_control else t for t in tool_list)
        counts["cache"] += sum(1 for t in tool_list if t.cache_control)
        tool_list = stripped
    _describe(counts, src, dst, changes)
    return Conversion(tuple(out), tool_list, ids, tuple(changes))


def _describe(counts: Mapping[str, int], src: FormatRules, dst: FormatRules, changes: list[str]) -> None:
    if counts["dropped"]:
        changes.append(
            f"{counts['dropped']} reasoning part(s) from {src.name} dropped: {dst.name} cannot verify them"
        )
    if counts["texted"]:
        changes.append(f"{counts['texted']} reasoning part(s) from {src.name} sent as plain text")
    if counts["cache"]:
        changes.append(f"{counts['cache']} cache point(s) removed: {dst.name} takes none")


def _id_map(messages: Sequence[Message], rule: IdRule) -> dict[str, str]:
    """Old id -> new id for every id the target would refuse; new ids unique in the conversation."""
    seen: list[str] = []
    for m in messages:
        for call in m.tool_calls:
            seen.append(call.id)
        if m.tool_call_id is not None:
            seen.append(m.tool_call_id)
    taken = {i for i in seen if rule.valid(i)}
    mapped: dict[str, str] = {}
    for old in seen:
        if old in mapped or rule.valid(old):
            continue
        salt = 0
        new = rule.make(old)
        while new in taken:
            salt += 1
            new = rule.make(old, salt)
        taken.add(new)
        mapped[old] = new
    return mapped


def _message(
    m: Message,
    keep_reasoning: bool,
    reasoning: Reasoning,
    cache_points: bool,
    ids: Mapping[str, str],
    counts: dict[str, int],
) -> Message:
    calls = m.tool_calls
    if ids and calls:
        calls = tuple(_call(c, ids) for c in calls)
    tool_call_id = ids.get(m.tool_call_id, m.tool_call_id) if m.tool_call_id is not None else None
    content = m.content
    if not isinstance(content, str):
        parts: list[Part] = []
        for p in content:
            q = _part(p, keep_reasoning, reasoning, cache_points, counts)
            if q is not None:
                parts.append(q)
        content = tuple(parts)
    if content is m.content and calls is m.tool_calls and tool_call_id == m.tool_call_id:
        return m
    return replace(m, content=content, tool_calls=calls, tool_call_id=tool_call_id)


def _call(c: ToolCall, ids: Mapping[str, str]) -> ToolCall:
    new = ids.get(c.id)
    if new is None:
        return c
    return ToolCall(new, c.name, c.raw_arguments)


def _part(
    p: Part, keep_reasoning: bool, reasoning: Reasoning, cache_points: bool, counts: dict[str, int]
) -> Part | None:
    if isinstance(p, ReasoningPart):
        if keep_reasoning:
            return p
        if reasoning == "text" and p.text and p.redacted_data is None:
            counts["texted"] += 1
            return TextPart(p.text)
        counts["dropped"] += 1
        return None
    if not cache_points and isinstance(p, TextPart | ImagePart | DocumentPart) and p.cache_control:
        counts["cache"] += 1
        return replace(p, cache_control=None)
    return p


def pair_table() -> str:
    """The rules for each (source, target) pair, as the Markdown table docs/routing.md holds."""
    formats = [*FORMATS.values(), *PROVIDER_FORMATS.values()]
    rows = [
        "| from | to | reasoning and signatures | tool-call ids | cache points |",
        "|---|---|---|---|---|",
    ]
    for src in formats:
        for dst in formats:
            if src == dst:
                continue
            if src.signatures is not None and src.signatures == dst.signatures:
                thinking = "kept"
            elif src.signatures is None:
                thinking = "none are signed: dropped (text on request)"
            else:
                thinking = "dropped (text on request)"
            ids = "kept" if dst.tool_ids is ANY_ID else f"replaced unless {dst.tool_ids.name}"
            cache = "kept" if dst.cache_points else "removed"
            rows.append(f"| {src.name} | {dst.name} | {thinking} | {ids} | {cache} |")
    return "\n".join(rows) + "\n"
