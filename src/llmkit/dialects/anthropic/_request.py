"""llmkit request -> Anthropic Messages body (pure)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, ForcedTool
from llmkit.errors import ConfigurationError, NotSupportedError, ToolArgumentsError
from llmkit.types import (
    AudioPart,
    DocumentPart,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    Tool,
    ToolCall,
)

# Used when neither the call nor the catalog says how many tokens to allow.
DEFAULT_MAX_TOKENS = 8192
_LEGACY_MAX_TOKENS = 4096  # claude-3 opus/sonnet/haiku top out at 4096 output tokens
# Room left for the answer when only a thinking budget was given.
_ANSWER_ROOM = 4096

# Body fields /v1/messages/count_tokens accepts (the rest of a Messages body is refused there).
COUNT_TOKENS_FIELDS = frozenset(
    {
        "model",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "thinking",
        "cache_control",
        "output_config",
        "mcp_servers",
    }
)

Block = dict[str, Any]


def default_max_tokens(model: str) -> int:
    """A sane output allowance when the caller gave none (the API requires one)."""
    name = model.rsplit("/", 1)[-1]
    if name.startswith("claude-3-") and not name.startswith(("claude-3-5", "claude-3-7")):
        return _LEGACY_MAX_TOKENS
    return DEFAULT_MAX_TOKENS


# ---------------------------------------------------------------- content blocks


def _with_cache(block: Block, cache_control: Mapping[str, Any] | None) -> Block:
    if cache_control is not None:
        block["cache_control"] = dict(cache_control)
    return block


def _data_url(url: str) -> tuple[str, str] | None:
    """(media_type, base64 data) of a ``data:<type>;base64,<data>`` URL, else None."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        raise ConfigurationError("only base64 data: URLs can be sent to Anthropic")
    return head[: -len(";base64")] or "application/octet-stream", data


def _image(p: ImagePart) -> Block:
    if p.url is not None:
        inline = _data_url(p.url)
        if inline is None:
            source: Block = {"type": "url", "url": p.url}
        else:
            source = {"type": "base64", "media_type": inline[0], "data": inline[1]}
    elif p.data is not None:
        source = {"type": "base64", "media_type": p.media_type or "image/png", "data": p.data}
    else:
        raise ConfigurationError("an image part needs a url or data")
    return _with_cache({"type": "image", "source": source}, p.cache_control)


def _document(p: DocumentPart) -> Block:
    if p.url is not None:
        inline = _data_url(p.url)
        if inline is None:
            source: Block = {"type": "url", "url": p.url}
        else:
            source = _inline_document(inline[0], inline[1])
    elif p.data is not None:
        source = _inline_document(p.media_type, p.data)
    else:
        raise ConfigurationError("a document part needs a url or data")
    block: Block = {"type": "document", "source": source}
    if p.title:
        block["title"] = p.title
    return _with_cache(block, p.cache_control)


def _inline_document(media_type: str, data: str) -> Block:
    if media_type == "application/pdf":
        return {"type": "base64", "media_type": media_type, "data": data}
    if media_type.startswith("text/"):
        # Plain-text documents travel as text, not base64.
        try:
            text = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ConfigurationError("a text document's data must be base64 of UTF-8 text") from None
        return {"type": "text", "media_type": "text/plain", "data": text}
    raise NotSupportedError(f"Anthropic takes PDF and plain-text documents, not {media_type!r}")


def _reasoning(p: ReasoningPart) -> Block | None:
    if p.redacted_data is not None:
        return {"type": "redacted_thinking", "data": p.redacted_data}
    if not p.signature:
        # Unsigned reasoning (another provider's, or a summary) cannot be verified, so is not sent.
        return None
    return {"type": "thinking", "thinking": p.text, "signature": p.signature}


def _block(p: Part, role: str) -> Block | None:
    if isinstance(p, TextPart):
        return _with_cache({"type": "text", "text": p.text}, p.cache_control)
    if isinstance(p, ImagePart):
        return _image(p)
    if isinstance(p, DocumentPart):
        return _document(p)
    if isinstance(p, ReasoningPart):
        # Thinking is only meaningful (and only accepted) on the assistant turn that produced it.
        return _reasoning(p) if role == "assistant" else None
    if isinstance(p, AudioPart):
        raise NotSupportedError("Anthropic Messages does not take audio input")
    raise ConfigurationError(f"unsupported content part {type(p).__name__}")


def _blocks(content: str | tuple[Part, ...], role: str) -> list[Block]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [b for b in (_block(p, role) for p in content) if b is not None]


def _simple(content: str | tuple[Part, ...]) -> str | None:
    """The content as a plain string when it can go on the wire as one."""
    if isinstance(content, str):
        return content
    if len(content) == 1 and isinstance(content[0], TextPart) and content[0].cache_control is None:
        return content[0].text
    return None


# ---------------------------------------------------------------- messages


def _turn(m: Message) -> tuple[str, str | list[Block]]:
    """One llmkit message as (anthropic role, content)."""
    if m.role == "tool":
        if m.tool_call_id is None:
            raise ConfigurationError("a tool message needs tool_call_id")
        result: Block = {"type": "tool_result", "tool_use_id": m.tool_call_id}
        text = _simple(m.content)
        if text is not None:
            if text:
                result["content"] = text
        else:
            result["content"] = _blocks(m.content, "user")
        return "user", [result]
    if m.role == "assistant":
        if not m.tool_calls:
            text = _simple(m.content)
            return "assistant", text if text is not None else _blocks(m.content, "assistant")
        blocks = _blocks(m.content, "assistant")
        for call in m.tool_calls:
            blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _tool_input(call)})
        return "assistant", blocks
    text = _simple(m.content)
    return "user", text if text is not None else _blocks(m.content, "user")


def _tool_input(call: ToolCall) -> dict[str, Any]:
    try:
        return dict(call.arguments)
    except ToolArgumentsError as exc:
        raise ConfigurationError(f"tool call {call.id!r} cannot be sent back: {exc}") from None


def _as_blocks(content: str | list[Block]) -> list[Block]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def convert_messages(messages: Sequence[Message]) -> tuple[list[Block], list[dict[str, Any]]]:
    """(system blocks, messages): system lifted out, consecutive same-role turns merged."""
    system: list[Block] = []
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role in ("system", "developer"):
            system.extend(_blocks(m.content, "user"))
            continue
        role, content = _turn(m)
        if turns and turns[-1]["role"] == role:
            prev = turns[-1]
            prev["content"] = _as_blocks(prev["content"]) + _as_blocks(content)
        else:
            turns.append({"role": role, "content": content})
    return system, turns


def _system_field(blocks: list[Block]) -> str | list[Block] | None:
    if not blocks:
        return None
    if len(blocks) == 1 and set(blocks[0]) == {"type", "text"}:
        return str(blocks[0]["text"])
    return blocks


# ---------------------------------------------------------------- tools and options


def tool_to_wire(t: Tool) -> Block:
    out: Block = {"name": t.name}
    if t.description:
        out["description"] = t.description
    out["input_schema"] = dict(t.parameters)
    if t.strict is not None:
        out["strict"] = t.strict
    return _with_cache(out, t.cache_control)


def _tool_choice(req: ChatRequest, options: Mapping[str, Any]) -> Block | None:
    tc = req.tool_choice
    choice: Block | None
    if tc is None:
        choice = None
    elif isinstance(tc, ForcedTool):
        choice = {"type": "tool", "name": tc.name}
    elif tc in ("required", "any"):
        choice = {"type": "any"}
    elif tc in ("auto", "none"):
        choice = {"type": tc}
    else:
        raise ConfigurationError(
            f"tool_choice {tc!r} is not one of 'auto', 'none', 'required' or a ForcedTool"
        )
    serial = options.get("disable_parallel_tool_use")
    if serial is None and options.get("parallel_tool_calls") is not None:
        serial = not options["parallel_tool_calls"]
    if serial is not None and (choice is None or choice["type"] != "none"):
        choice = dict(choice or {"type": "auto"})
        choice["disable_parallel_tool_use"] = bool(serial)
    return choice


def thinking_to_wire(value: Any) -> Block | None:
    if value is None:
        return None
    if value is False or value == "disabled":
        return {"type": "disabled"}
    if value == "adaptive":
        return {"type": "adaptive"}
    if isinstance(value, bool):
        raise ConfigurationError("thinking=True needs a budget: pass thinking=<budget tokens> or 'adaptive'")
    if isinstance(value, int):
        return {"type": "enabled", "budget_tokens": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigurationError(f"thinking must be a token budget, 'adaptive', False or a dict, not {value!r}")


def _cache_control(value: Any) -> Block | None:
    if value is None or value is False:
        return None
    if value is True:
        return {"type": "ephemeral"}
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigurationError(f"cache_control must be True or a dict, not {value!r}")


def beta_header(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)


# ---------------------------------------------------------------- the body


def build_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    options = req.options
    system, messages = convert_messages(req.messages)
    thinking = thinking_to_wire(options.get("thinking"))
    max_tokens = req.max_tokens
    if max_tokens is None:
        max_tokens = default_max_tokens(req.model)
        budget = thinking.get("budget_tokens") if thinking else None
        if isinstance(budget, int) and budget >= max_tokens:
            max_tokens = budget + _ANSWER_ROOM
    body: dict[str, Any] = {"model": req.model, "max_tokens": max_tokens, "messages": messages}
    system_field = _system_field(system)
    if system_field is not None:
        body["system"] = system_field
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if options:  # a plain call has none: skip the lookups (the body comes out the same)
        for name in ("top_p", "top_k", "service_tier"):
            if options.get(name) is not None:
                body[name] = options[name]
        if options.get("metadata") is not None:
            body["metadata"] = dict(options["metadata"])
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    if req.tools:
        body["tools"] = [tool_to_wire(t) for t in req.tools]
    choice = _tool_choice(req, options)
    if choice is not None:
        body["tool_choice"] = choice
    if thinking is not None:
        body["thinking"] = thinking
    cache = _cache_control(options.get("cache_control"))
    if cache is not None:
        body["cache_control"] = cache
    output_config: dict[str, Any] = {}
    if options.get("effort") is not None:
        output_config["effort"] = options["effort"]
    rf = req.response_format
    if rf is not None:
        if rf.type != "json_schema" or rf.schema is None:
            raise NotSupportedError("Anthropic structured output takes a JSON schema, not bare JSON mode")
        output_config["format"] = {"type": "json_schema", "schema": dict(rf.schema)}
    if output_config:
        body["output_config"] = output_config
    if req.stream:
        body["stream"] = True
    # Options a spec maps straight onto body fields (a compatible endpoint's own knobs).
    if options:
        for name, wire_name in ctx.spec.body_options.items():
            if options.get(name) is not None:
                body[wire_name] = options[name]
    if req.extra_body:
        body.update(req.extra_body)
    return body


def count_tokens_body(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in COUNT_TOKENS_FIELDS}
