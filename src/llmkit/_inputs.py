"""Turn what users pass (OpenAI-style dicts, functions, pydantic models) into llmkit types."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llmkit._parts import check_part
from llmkit.dialects.base import ForcedTool, ToolChoice
from llmkit.errors import ConfigurationError
from llmkit.types import (
    AudioPart,
    DocumentPart,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCall,
)

# A tuple, not a set: membership by equality never hashes, so a list given as a role is just wrong.
_ROLES = ("user", "assistant", "system", "tool", "developer")
# A bare JSON schema given as response_format has one of these as its ``type``.
_SCHEMA_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


def to_messages(messages: str | Sequence[Message | Mapping[str, Any]]) -> list[Message]:
    if isinstance(messages, str):
        return [Message("user", messages)]
    if not isinstance(messages, (list, tuple)):
        hint = (
            " (wrap a single message in a list: [{...}])" if isinstance(messages, (Mapping, Message)) else ""
        )
        raise ConfigurationError(
            f"messages must be a string or a list of messages, not {type(messages).__name__}{hint}"
        )
    out: list[Message] = []
    for i, m in enumerate(messages):
        if isinstance(m, Message):
            if isinstance(m.content, list):  # Message("user", [TextPart(...), ...]) reads naturally
                m = dataclasses.replace(m, content=tuple(m.content))
            if m.role not in _ROLES or not isinstance(m.content, (str, tuple)):
                raise ConfigurationError(
                    f"messages[{i}] needs a role in {sorted(_ROLES)} and content that is a string or a "
                    f"list of parts; got role {m.role!r}, content {type(m.content).__name__}"
                )
            if type(m.content) is tuple:
                for j, p in enumerate(m.content):
                    check_part(p, i, j)
            if m.role == "tool" and not isinstance(m.tool_call_id, str):
                raise _no_tool_call_id(i)
            out.append(m)
        elif type(m) is dict and len(m) == 2 and type(m.get("content")) is str and m.get("role") in _ROLES:
            if m["role"] == "tool":
                raise _no_tool_call_id(i)
            out.append(Message(m["role"], m["content"]))  # the common case, without the general walk
        elif isinstance(m, Mapping):
            out.append(_dict_message(m, i))
        else:
            raise ConfigurationError(f"messages[{i}] must be a Message or a dict, not {type(m).__name__}")
    if not out:
        raise ConfigurationError("messages is empty: pass at least one message")
    return out


def _dict_message(m: Mapping[str, Any], i: int) -> Message:
    role = m.get("role")
    if role not in _ROLES:
        raise ConfigurationError(f"messages[{i}] has role {role!r}; expected one of {sorted(_ROLES)}")
    content = m.get("content")
    parts: str | tuple[Part, ...]
    if content is None:
        parts = ""
    elif isinstance(content, str):
        parts = content
    elif isinstance(content, list):
        parts = tuple(_part(p, i, j) for j, p in enumerate(content))
    else:
        raise ConfigurationError(f"messages[{i}].content must be a string or a list of parts")
    raw_calls = m.get("tool_calls") or ()
    if not isinstance(raw_calls, (list, tuple)):
        raise ConfigurationError(f"messages[{i}].tool_calls must be a list, not {type(raw_calls).__name__}")
    calls = tuple(_tool_call(c, i) for c in raw_calls)
    for key in ("tool_call_id", "name"):
        if m.get(key) is not None and not isinstance(m[key], str):
            raise ConfigurationError(f"messages[{i}].{key} must be a string, not {type(m[key]).__name__}")
    reasoning = m.get("reasoning_content") or m.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        parts = (ReasoningPart(reasoning), *((TextPart(parts),) if isinstance(parts, str) and parts else ()))
        if isinstance(content, list):
            parts = (ReasoningPart(reasoning), *(_part(p, i, j) for j, p in enumerate(content)))
    if role == "tool" and m.get("tool_call_id") is None:
        raise _no_tool_call_id(i)
    return Message(role, parts, calls, m.get("tool_call_id"), m.get("name"))


def _no_tool_call_id(i: int) -> ConfigurationError:
    return ConfigurationError(
        f"messages[{i}] has role 'tool' but no tool_call_id: a tool message answers one tool call, so "
        "pass tool_call_id=<the id of that call in the assistant message before it>"
    )


def _tool_call(c: Any, i: int) -> ToolCall:
    if isinstance(c, ToolCall):
        return c
    if not isinstance(c, Mapping):
        raise ConfigurationError(f"messages[{i}].tool_calls entries must be dicts or ToolCall objects")
    fn = c.get("function") or c
    args = fn.get("arguments") if isinstance(fn, Mapping) else None
    name = fn.get("name") if isinstance(fn, Mapping) else None
    if not isinstance(name, str) or not isinstance(args, (str, Mapping, type(None))):
        raise ConfigurationError(
            f"messages[{i}].tool_calls entries need function.name (a string) and function.arguments "
            "(a JSON string or a dict)"
        )
    return ToolCall(str(c.get("id", "")), name, args)


def _part(p: Any, i: int, j: int) -> Part:
    if isinstance(p, (TextPart, ImagePart, DocumentPart, AudioPart, ReasoningPart)):
        check_part(p, i, j)
        return p
    if isinstance(p, str):
        return TextPart(p)
    if not isinstance(p, Mapping):
        raise ConfigurationError(f"messages[{i}].content[{j}] must be a dict")
    kind = p.get("type")
    cache = p.get("cache_control")
    if cache is not None and not isinstance(cache, Mapping):
        raise ConfigurationError(f"messages[{i}].content[{j}].cache_control must be a dict")
    if kind == "text":
        text = p.get("text")
        if not isinstance(text, str):
            raise ConfigurationError(f"messages[{i}].content[{j}].text must be a string")
        return TextPart(text, cache)
    if kind == "image_url":
        spec = p.get("image_url")
        url = spec.get("url") if isinstance(spec, Mapping) else spec
        detail = spec.get("detail") if isinstance(spec, Mapping) else None
        if not isinstance(url, str):
            raise ConfigurationError(f"messages[{i}].content[{j}].image_url needs a url")
        media, data = split_data_url(url)
        if data is not None:
            return ImagePart(data=data, media_type=media, detail=detail, cache_control=cache)
        return ImagePart(url=url, detail=detail, cache_control=cache)
    if kind == "input_audio":
        audio = p.get("input_audio")
        if not isinstance(audio, Mapping) or not isinstance(audio.get("data"), str):
            raise ConfigurationError(
                f"messages[{i}].content[{j}] needs input_audio={{'data': <base64>, 'format': 'wav'}}"
            )
        return AudioPart(audio["data"], str(audio.get("format", "wav")))
    if kind == "file":
        f = p.get("file")
        if not isinstance(f, Mapping) or not isinstance(f.get("file_data"), str):
            raise ConfigurationError(
                f"messages[{i}].content[{j}] needs "
                "file={'file_data': 'data:<type>;base64,...', 'filename': ...}"
            )
        title = f.get("filename")
        media, data = split_data_url(f["file_data"])
        return DocumentPart(
            data=data, media_type=media or "application/pdf", title=title if isinstance(title, str) else None
        )
    raise ConfigurationError(
        f"messages[{i}].content[{j}] has unsupported part type {kind!r} "
        "(expected text, image_url, input_audio or file)"
    )


def split_data_url(url: str) -> tuple[str | None, str | None]:
    """``data:image/png;base64,AAAA`` -> ("image/png", "AAAA"); other URLs -> (None, None)."""
    if not url.startswith("data:"):
        return None, None
    head, sep, data = url[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        raise ConfigurationError("data: URLs must be base64 encoded (data:<type>;base64,<data>)")
    return head[: -len(";base64")] or None, data


# ---------------------------------------------------------------- tools


def to_tools(tools: Iterable[Any] | None) -> list[Tool]:
    if tools is None:
        return []
    if not isinstance(tools, (list, tuple)) and (
        isinstance(tools, (Mapping, str, bytes, Tool, type))
        or callable(tools)
        or not isinstance(tools, Iterable)
    ):
        raise ConfigurationError(
            f"tools must be a list (of Tools, dicts, functions or pydantic models), "
            f"not {type(tools).__name__}; wrap a single tool in a list: tools=[...]"
        )
    out = [_tool(t) for t in tools]
    names = [t.name for t in out]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"tool names must be unique, got {names}")
    return out


def _tool(t: Any) -> Tool:
    if isinstance(t, Tool):
        return t
    if isinstance(t, Mapping):
        fn = t.get("function", t) if t.get("type", "function") == "function" else None
        if not isinstance(fn, Mapping) or not fn.get("name"):
            raise ConfigurationError(f"tool dict must be OpenAI-style with a function name, got {dict(t)!r}")
        return Tool(
            str(fn["name"]),
            str(fn.get("description") or ""),
            fn.get("parameters") or {"type": "object", "properties": {}},
            fn.get("strict"),
        )
    if isinstance(t, type) and hasattr(t, "model_json_schema"):
        # A pydantic model is a closed schema we control: send it strict, as the OpenAI SDK does.
        schema = strict_schema(t.model_json_schema())
        doc = schema.pop("description", "") or ""
        schema.pop("title", None)
        return Tool(t.__name__, doc, schema, strict=True)
    if callable(t):
        from llmkit._schema import function_tool

        return function_tool(t)
    raise ConfigurationError(
        f"cannot use {t!r} as a tool: pass a Tool, a dict, a function or a pydantic model"
    )


def check_tool_choice(choice: ToolChoice, tools: Sequence[Tool]) -> None:
    """A forced or required tool needs tools to choose from; a forced one must be among them."""
    if isinstance(choice, ForcedTool):
        names = [t.name for t in tools]
        if choice.name not in names:
            raise ConfigurationError(
                f"tool_choice names {choice.name!r}, which is not among the tools given ({names}); "
                "pass that tool in tools=, or tool_choice='auto'"
            )
    elif choice in ("required", "any") and not tools:
        raise ConfigurationError(f"tool_choice={choice!r} needs tools=[...] to choose from")


def to_tool_choice(choice: Any) -> ToolChoice | None:
    if choice is None:
        return None
    if isinstance(choice, ForcedTool):
        return choice
    if isinstance(choice, str) and choice:
        return choice if choice in ("auto", "none", "required", "any") else ForcedTool(choice)
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else choice.get("name")
        if isinstance(name, str) and name:
            return ForcedTool(name)
    raise ConfigurationError(
        f"tool_choice must be 'auto', 'none', 'required', a tool name or an OpenAI-style dict, got {choice!r}"
    )


# ---------------------------------------------------------------- structured output


def to_response_format(rf: Any) -> tuple[ResponseFormat | None, Any]:
    """Returns the normalised format and the pydantic class to validate with (if any)."""
    if rf is None:
        return None, None
    if isinstance(rf, ResponseFormat):
        return rf, None
    if isinstance(rf, type) and hasattr(rf, "model_json_schema"):
        return ResponseFormat("json_schema", strict_schema(_model_schema(rf)), rf.__name__, True), rf
    if isinstance(rf, Mapping):
        kind = rf.get("type")
        if kind == "json_object":
            return ResponseFormat("json_object"), None
        if kind == "json_schema":
            js = rf.get("json_schema")
            if not isinstance(js, Mapping) or not isinstance(js.get("schema", {}), Mapping):
                raise ConfigurationError(
                    "response_format type 'json_schema' needs json_schema={'name': ..., 'schema': {...}}"
                )
            schema = js.get("schema") or {}
            strict = js.get("strict")
            return (
                ResponseFormat(
                    "json_schema",
                    schema,
                    str(js.get("name") or "response"),
                    is_strict_schema(schema) if strict is None else bool(strict),
                ),
                None,
            )
        if kind == "text":
            return None, None
        if isinstance(kind, str) and "properties" not in rf and kind not in _SCHEMA_TYPES:
            raise ConfigurationError(
                f"response_format type {kind!r} is not understood: use 'json_object', 'json_schema', "
                "'text', a JSON schema or a pydantic model"
            )
        # Anything else is taken as a bare JSON schema.
        name = str(rf.get("title") or "response").replace(" ", "_")
        return ResponseFormat("json_schema", rf, name, is_strict_schema(rf)), None
    raise ConfigurationError(
        "response_format must be a JSON schema dict, an OpenAI-style dict or a pydantic model"
    )


def _model_schema(cls: Any) -> dict[str, Any]:
    try:
        schema = cls.model_json_schema()
    except Exception as exc:  # PydanticUserError (not fully defined), PydanticInvalidForJsonSchema, ...
        raise ConfigurationError(
            f"response_format {cls.__name__}: pydantic cannot make a JSON schema from it "
            f"({type(exc).__name__}: {str(exc)[:200]}); fix the model (define every field's type, "
            "call model_rebuild()) or pass a JSON schema dict"
        ) from None
    if not isinstance(schema, dict):
        raise ConfigurationError(f"response_format {cls.__name__}.model_json_schema() did not return a dict")
    return schema


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` in OpenAI's strict form: every object closed, every property required,
    single-entry ``allOf`` and ``$ref``-with-siblings inlined, ``default: null`` dropped."""
    import copy

    root = copy.deepcopy(schema)
    out: dict[str, Any] = _strict(root, root)
    return out


def _strict(node: Any, root: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(n, root) for n in node]
    if not isinstance(node, dict):
        return node
    for defs in ("$defs", "definitions"):
        if isinstance(node.get(defs), dict):
            node[defs] = {k: _strict(v, root) for k, v in node[defs].items()}
    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if isinstance(node.get("properties"), dict):
        node["required"] = list(node["properties"])
        node["properties"] = {k: _strict(v, root) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], root)
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = _strict(node["anyOf"], root)
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            node.pop("allOf")
            node.update(_strict(all_of[0], root))
        else:
            node["allOf"] = _strict(all_of, root)
    if "default" in node and node["default"] is None:
        del node["default"]
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1 and ref.startswith("#/"):
        target: Any = root
        for key in ref[2:].split("/"):
            target = target[key]
        merged = {**target, **node}
        merged.pop("$ref")
        node.clear()
        node.update(merged)
        return _strict(node, root)
    return node


def is_strict_schema(schema: Any) -> bool:
    """True if the schema already meets OpenAI's strict-mode rules (closed objects, all keys required)."""
    if isinstance(schema, list):
        return all(is_strict_schema(s) for s in schema)
    if not isinstance(schema, Mapping):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False or set(schema.get("required") or ()) != set(props):
            return False
    return all(
        is_strict_schema(v) for k, v in schema.items() if isinstance(v, (Mapping, list)) and k != "enum"
    )


def parse_structured(text: str, validator: Any) -> Any:
    """Decode structured output; with a pydantic class, validate it too."""
    from llmkit.errors import StructuredOutputError

    try:
        if validator is not None:
            return validator.model_validate_json(text)
        return json.loads(text)
    except Exception as exc:  # pydantic's ValidationError or a JSON error
        raise StructuredOutputError(f"structured output did not validate: {exc}") from exc
