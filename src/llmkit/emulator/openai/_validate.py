"""What a Chat Completions request may hold, checked as OpenAI (or a stricter provider) checks it."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.profiles import Profile
from llmkit.emulator.server import EmuRequest

# Top-level fields of CreateChatCompletionRequest in OpenAI's OpenAPI spec (2.3.0).
CHAT_FIELDS = frozenset(
    {
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


class Invalid(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


def allowed_fields(req: EmuRequest, profile: Profile) -> frozenset[str]:
    x = profile.extra
    strict = x.get("strict_fields")
    if strict is not None:
        # Azure AI Inference: only its common schema, unless extra-parameters says otherwise
        # ("pass-through" hands everything to the model, "drop" discards the rest).
        if req.headers.get("extra-parameters") in ("pass-through", "drop"):
            body = req.json()
            return frozenset(body) if isinstance(body, dict) else frozenset(strict)
        return frozenset(strict)
    return (CHAT_FIELDS | frozenset(x.get("extra_fields", ()))) - frozenset(x.get("reject_fields", ()))


def validate_chat(body: Any, profile: Profile, allowed: frozenset[str] = CHAT_FIELDS) -> None:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    for key in body:
        if key not in allowed:
            if profile.extra.get("strict_fields") is not None:
                raise Invalid(
                    f"Extra parameters ['{key}'] are not allowed when extra-parameters is not set "
                    "or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model.",
                    key,
                )
            raise Invalid(f"Unrecognized request argument supplied: {key}", key)
    for key in ("model", "messages"):
        if key not in body:
            raise Invalid(f"Missing required parameter: '{key}'.", key)
    if not isinstance(body["model"], str) or not body["model"]:
        raise Invalid("model must be a non-empty string", "model")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise Invalid("'messages' must be a non-empty array", "messages")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise Invalid(f"Invalid value for 'messages[{i}].role'", f"messages[{i}].role")
        if m["role"] == "tool":
            tid = m.get("tool_call_id")
            if tid not in open_calls:
                raise Invalid(
                    f"messages[{i}]: a 'tool' message must answer an earlier assistant tool_call ({tid!r})",
                    f"messages[{i}].tool_call_id",
                )
        if m["role"] == "assistant":
            for c in m.get("tool_calls") or ():
                if not isinstance(c, dict) or c.get("type") != "function" or "function" not in c:
                    raise Invalid(f"messages[{i}].tool_calls entries need type 'function'")
                if not isinstance(c["function"].get("arguments"), str):
                    raise Invalid(f"messages[{i}].tool_calls[].function.arguments must be a string")
                open_calls.add(str(c.get("id")))
        content = m.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise Invalid(f"messages[{i}].content must be a string or an array", f"messages[{i}].content")
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in ("text", "image_url", "input_audio", "file", "refusal"):
                raise Invalid(f"Invalid content part type {kind!r} in messages[{i}]")
    temp = body.get("temperature")
    if temp is not None and (not isinstance(temp, (int, float)) or not 0 <= temp <= 2):
        raise Invalid("temperature must be a number between 0 and 2", "temperature")
    for key in ("max_tokens", "max_completion_tokens"):
        if key in body and (not isinstance(body[key], int) or body[key] < 1):
            raise Invalid(f"{key} must be a positive integer", key)
    for t in body.get("tools") or ():
        if (
            not isinstance(t, dict)
            or t.get("type") != "function"
            or not (t.get("function") or {}).get("name")
        ):
            raise Invalid("each tool needs type 'function' and a function name", "tools")
    if "stream_options" in body and not body.get("stream"):
        raise Invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"
        )
    rf = body.get("response_format")
    if rf is not None:
        if not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema"):
            raise Invalid("response_format.type must be text, json_object or json_schema", "response_format")
        if rf["type"] == "json_schema" and not (rf.get("json_schema") or {}).get("name"):
            raise Invalid("response_format.json_schema.name is required", "response_format")
