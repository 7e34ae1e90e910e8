"""What a Messages (or count-tokens) request may hold, checked as the real API checks it."""

from __future__ import annotations

import base64
from typing import Any

from llmkit.emulator.anthropic._signature import signature_ok

# Top-level fields of "Create a Message" (API reference, plus the sampling fields the docs list).
MESSAGE_FIELDS = frozenset(
    {
        "model",
        "messages",
        "max_tokens",
        "system",
        "metadata",
        "stop_sequences",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "tools",
        "tool_choice",
        "thinking",
        "service_tier",
        "cache_control",
        "container",
        "inference_geo",
        "output_config",
        "speed",
        "diagnostics",
        "mcp_servers",
        "context_management",
        "user_profile_id",
        "workspace_id",
    }
)
# "Count tokens in a Message" takes the same prompt fields, and no generation settings.
COUNT_FIELDS = frozenset(
    {
        "model",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "thinking",
        "cache_control",
        "output_config",
        "speed",
        "mcp_servers",
        "context_management",
        "user_profile_id",
        "workspace_id",
    }
)
USER_BLOCKS = frozenset(
    {
        "text",
        "image",
        "document",
        "tool_result",
        "search_result",
        "container_upload",
        "web_search_tool_result",
    }
)
ASSISTANT_BLOCKS = frozenset(
    {"text", "tool_use", "thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result"}
)
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class Invalid(Exception):
    """A request the real API would refuse with 400 invalid_request_error."""


def combined_turns(messages: list[Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Messages as (role, blocks), consecutive same-role turns combined."""
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise Invalid(f"messages.{i}: Input should be an object")
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise Invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = m.get("content")
        if isinstance(content, str):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
        elif isinstance(content, list):
            blocks = []
            for j, b in enumerate(content):
                _check_block(b, role, f"messages.{i}.content.{j}")
                blocks.append(b)
        else:
            raise Invalid(f"messages.{i}.content: Input should be a valid string or list")
        if not blocks and not (role == "assistant" and i == len(messages) - 1):
            raise Invalid(
                f"messages.{i}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    return turns


def _check_source(source: Any, where: str, kinds: tuple[str, ...]) -> None:
    if not isinstance(source, dict) or source.get("type") not in kinds:
        raise Invalid(f"{where}.source: source.type must be one of {', '.join(kinds)}")
    kind = source["type"]
    if kind == "url" and not str(source.get("url", "")).startswith(("http://", "https://")):
        raise Invalid(f"{where}.source.url: must be an http(s) URL")
    if kind == "base64":
        data = source.get("data")
        if not isinstance(data, str) or not data or not source.get("media_type"):
            raise Invalid(f"{where}.source: base64 sources need media_type and data")
        try:
            base64.b64decode(data, validate=True)
        except ValueError:
            raise Invalid(f"{where}.source.data: invalid base64 data") from None
    if kind == "text" and not isinstance(source.get("data"), str):
        raise Invalid(f"{where}.source.data: text sources need a string")


def _check_block(b: Any, role: str, where: str) -> None:
    if not isinstance(b, dict) or not isinstance(b.get("type"), str):
        raise Invalid(f"{where}: content blocks must be objects with a type")
    kind = b["type"]
    allowed = USER_BLOCKS if role == "user" else ASSISTANT_BLOCKS
    if kind not in allowed:
        raise Invalid(f"{where}.type: block type {kind!r} is not allowed in a {role} turn")
    cache = b.get("cache_control")
    if cache is not None and (not isinstance(cache, dict) or cache.get("type") != "ephemeral"):
        raise Invalid(f"{where}.cache_control: only type 'ephemeral' is supported")
    if kind == "text":
        if not isinstance(b.get("text"), str) or not b["text"]:
            raise Invalid(f"{where}: text content blocks must be non-empty")
    elif kind == "image":
        _check_source(b.get("source"), where, ("base64", "url", "file"))
        src = b["source"]
        if src["type"] == "base64" and src.get("media_type") not in _IMAGE_TYPES:
            raise Invalid(f"{where}.source.media_type: must be one of {', '.join(sorted(_IMAGE_TYPES))}")
    elif kind == "document":
        _check_source(b.get("source"), where, ("base64", "url", "text", "content", "file"))
        src = b["source"]
        if src["type"] == "base64" and src.get("media_type") != "application/pdf":
            raise Invalid(f"{where}.source.media_type: base64 documents must be application/pdf")
    elif kind == "tool_use":
        if not b.get("id") or not b.get("name") or not isinstance(b.get("input"), dict):
            raise Invalid(f"{where}: tool_use blocks need id, name and an input object")
    elif kind == "tool_result":
        if not b.get("tool_use_id"):
            raise Invalid(f"{where}.tool_use_id: Field required")
        content = b.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise Invalid(f"{where}.content: must be a string or a list of blocks")
        for k, inner in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(inner, dict) or inner.get("type") not in (
                "text",
                "image",
                "document",
                "search_result",
            ):
                raise Invalid(
                    f"{where}.content.{k}: tool results hold text, image, document or search_result"
                )
            _check_block(inner, "user", f"{where}.content.{k}")
    elif kind == "thinking":
        if not isinstance(b.get("thinking"), str) or "signature" not in b:
            raise Invalid(f"{where}: thinking blocks need thinking and signature")
        if not signature_ok(b["thinking"], b["signature"]):
            raise Invalid(f"{where}: Invalid `signature` in `thinking` block")
    elif kind == "redacted_thinking" and not isinstance(b.get("data"), str):
        raise Invalid(f"{where}.data: Field required")


def _check_tool_pairs(turns: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for t, (role, blocks) in enumerate(turns):
        uses = [b["id"] for b in blocks if b["type"] == "tool_use"] if role == "assistant" else []
        nxt = turns[t + 1][1] if t + 1 < len(turns) else None
        answered = [b["tool_use_id"] for b in nxt or () if b["type"] == "tool_result"]
        if uses and nxt is not None and set(uses) - set(answered):
            missing = ", ".join(sorted(set(uses) - set(answered)))
            raise Invalid(
                f"messages.{t + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {missing}. Each `tool_use` block must have a corresponding `tool_result` block "
                "in the next message."
            )
        if role == "user":
            prev = {b["id"] for b in turns[t - 1][1] if b["type"] == "tool_use"} if t > 0 else set()
            for b in blocks:
                if b["type"] == "tool_result" and b["tool_use_id"] not in prev:
                    raise Invalid(
                        f"messages.{t}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{b['tool_use_id']}. Each `tool_result` block must have a corresponding `tool_use` "
                        "block in the previous message."
                    )


def check_prompt(
    body: Any, fields: frozenset[str], *, generation: bool
) -> list[tuple[str, list[dict[str, Any]]]]:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object")
    for key in body:
        if key not in fields:
            raise Invalid(f"{key}: Extra inputs are not permitted")
    required = ("model", "max_tokens", "messages") if generation else ("model", "messages")
    for key in required:
        if key not in body:
            raise Invalid(f"{key}: Field required")
    if not isinstance(body["model"], str) or not body["model"]:
        raise Invalid("model: Input should be a non-empty string")
    if not isinstance(body["messages"], list) or not body["messages"]:
        raise Invalid("messages: at least one message is required")
    turns = combined_turns(body["messages"])
    _check_tool_pairs(turns)
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            raise Invalid("system: Input should be a valid string or a list of text blocks")
        for i, b in enumerate(system):
            if not isinstance(b, dict) or b.get("type") != "text":
                raise Invalid(f"system.{i}: system blocks must be text blocks")
            _check_block(b, "user", f"system.{i}")
    for i, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, dict) or not tool.get("name"):
            raise Invalid(f"tools.{i}.name: Field required")
        if tool.get("type", "custom") == "custom":
            schema = tool.get("input_schema")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise Invalid(f"tools.{i}.input_schema: must be a JSON schema of type 'object'")
    choice = body.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
            raise Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
        if choice["type"] == "tool":
            names = {t.get("name") for t in body.get("tools") or () if isinstance(t, dict)}
            if not choice.get("name"):
                raise Invalid("tool_choice.name: Field required")
            if choice["name"] not in names:
                raise Invalid(f"tool_choice: tool {choice['name']!r} is not among the request's tools")
    thinking = body.get("thinking")
    if thinking is not None:
        if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled", "adaptive"):
            raise Invalid("thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'")
        if thinking["type"] == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < 1024:
                raise Invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
            if generation and budget >= body.get("max_tokens", 0):
                raise Invalid("`max_tokens` must be greater than `thinking.budget_tokens`")
        if thinking["type"] != "disabled":
            _check_thinking_turn(turns)
    return turns


def _check_thinking_turn(turns: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """With thinking on, an assistant turn whose tool use is being answered must start with its thinking."""
    if len(turns) < 2 or turns[-1][0] != "user" or turns[-2][0] != "assistant":
        return
    if not any(b["type"] == "tool_result" for b in turns[-1][1]):
        return
    blocks = turns[-2][1]
    if blocks and blocks[0]["type"] not in ("thinking", "redacted_thinking"):
        raise Invalid(
            "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
            f"`{blocks[0]['type']}`. When `thinking` is enabled, a final `assistant` message must start with "
            "a thinking block."
        )


def check_generation(body: dict[str, Any]) -> None:
    max_tokens = body["max_tokens"]
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise Invalid("max_tokens: Input should be greater than or equal to 1")
    for key, hi in (("temperature", 1.0), ("top_p", 1.0)):
        v = body.get(key)
        if v is not None and (not isinstance(v, (int, float)) or not 0 <= v <= hi):
            raise Invalid(f"{key}: Input should be between 0 and {hi}")
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 0):
        raise Invalid("top_k: Input should be a non-negative integer")
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops)
    ):
        raise Invalid("stop_sequences: Input should be a list of non-empty strings")
    metadata = body.get("metadata")
    if metadata is not None and (not isinstance(metadata, dict) or set(metadata) - {"user_id"}):
        raise Invalid("metadata: only user_id is permitted")
    cache = body.get("cache_control")
    if cache is not None and (not isinstance(cache, dict) or cache.get("type") != "ephemeral"):
        raise Invalid("cache_control.type: Input should be 'ephemeral'")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise Invalid("stream: Input should be a valid boolean")
