"""A chat request's input tokens as OpenAI's chat format frames it, counted offline.

Messages follow OpenAI's cookbook, "How to count tokens with tiktoken"
(openai/openai-cookbook, examples/How_to_count_tokens_with_tiktoken.ipynb,
``num_tokens_from_messages``): 3 tokens per message, each value's tokens (role, content, name),
1 more for a name, and 3 for the reply's priming (``<|start|>assistant<|message|>``). That rule
is exact for plain text messages; what the cookbook does not state is counted and flagged:

- tools: the cookbook's ``num_tokens_for_tools`` reconstruction (per-function and per-property
  constants measured on gpt-4o / gpt-4). OpenAI documents no formula, so the count is
  ``exact=False``;
- images: OpenAI's published tile formula (vision guide) when the size can be read from the
  data, and the framing around an image is undocumented: ``exact=False``;
- a tool call in an assistant message, a tool result's id, several parts in one message, and
  audio/document/reasoning parts: undocumented framing, counted from their text and flagged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmkit.tokens._bpe import Encoding
from llmkit.tokens._image import image_size, tile_tokens
from llmkit.types import ImagePart, Message, TextPart, Tool

# (per function, start of properties, per property, enum start, per enum item, end of tools):
# the cookbook's constants for the gpt-4o family (o200k_base) and gpt-4 / gpt-3.5 (cl100k_base).
_TOOL_CONSTANTS = {"o200k_base": (7, 3, 3, -3, 3, 12), "cl100k_base": (10, 3, 3, -3, 3, 12)}
# An image whose size is unknown offline (given by URL) is counted as a 1024x1024 one at high detail.
_UNKNOWN_IMAGE = (1024, 1024)


@dataclass(slots=True)
class Tally:
    tokens: int = 0
    # What was approximated ("tools", "images", ...): empty means the count is exact.
    approx: set[str] = field(default_factory=set)


def count_chat(enc: Encoding, messages: Sequence[Message], tools: Sequence[Tool], model: str) -> Tally:
    t = Tally()
    for m in messages:
        _message(enc, m, model, t)
    t.tokens += 3  # every reply is primed with <|start|>assistant<|message|>
    if tools:
        t.tokens += tool_tokens(enc, tools)
        t.approx.add("tools")
    return t


def _message(enc: Encoding, m: Message, model: str, t: Tally) -> None:
    t.tokens += 3 + enc.count(m.role)
    if m.name:
        t.tokens += enc.count(m.name) + 1
    if isinstance(m.content, str):
        t.tokens += enc.count(m.content)
    else:
        if len(m.content) > 1:
            t.approx.add("multi-part content")
        for part in m.content:
            _part(enc, part, model, t)
    for call in m.tool_calls:
        t.tokens += enc.count(call.name) + enc.count(call.raw_arguments)
        t.approx.add("tool calls")
    if m.tool_call_id:
        t.approx.add("tool results")


def _part(enc: Encoding, part: Any, model: str, t: Tally) -> None:
    if isinstance(part, TextPart):
        t.tokens += enc.count(part.text)
    elif isinstance(part, ImagePart):
        t.tokens += image_tokens(part, model)
        t.approx.add("images")
    else:
        text = getattr(part, "text", None) or getattr(part, "data", None) or ""
        t.tokens += (len(text) + 3) // 4
        t.approx.add(f"{type(part).__name__} parts")


def image_tokens(part: ImagePart, model: str) -> int:
    size = image_size(part.data) if part.data else None
    w, h = size or _UNKNOWN_IMAGE
    detail = part.detail if part.detail in ("low", "high") else "high"
    if model.startswith("gpt-4o-mini"):
        # gpt-4o-mini bills image tokens at a higher rate (its pricing page): 2833 base, 5667 a tile.
        return tile_tokens(w, h, detail, 2833, 5667)
    return tile_tokens(w, h, detail)


def tool_tokens(enc: Encoding, tools: Sequence[Tool]) -> int:
    """The cookbook's ``num_tokens_for_tools``, on llmkit's Tool."""
    func_init, prop_init, prop_key, enum_init, enum_item, func_end = _TOOL_CONSTANTS[enc.name]
    n = 0
    for tool in tools:
        n += func_init
        desc = tool.description[:-1] if tool.description.endswith(".") else tool.description
        n += enc.count(f"{tool.name}:{desc}")
        props = tool.parameters.get("properties") or {}
        if isinstance(props, Mapping) and props:
            n += prop_init
            for key, prop in props.items():
                n += prop_key + _property(enc, str(key), prop, enum_init, enum_item)
    return n + func_end


def _property(enc: Encoding, key: str, prop: Any, enum_init: int, enum_item: int) -> int:
    prop = prop if isinstance(prop, Mapping) else {}
    n = 0
    enum = prop.get("enum")
    if isinstance(enum, list):
        n += enum_init
        for item in enum:
            n += enum_item + enc.count(item if isinstance(item, str) else json.dumps(item))
    ptype = prop.get("type", "")
    ptype = ptype if isinstance(ptype, str) else json.dumps(ptype)
    desc = str(prop.get("description", ""))
    desc = desc[:-1] if desc.endswith(".") else desc
    return n + enc.count(f"{key}:{ptype}:{desc}")
