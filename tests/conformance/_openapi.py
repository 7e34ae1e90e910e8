"""OpenAI's published OpenAPI document as JSON Schema validators, plus the logical calls the
conformance tests share.

The document (``../shared/specs/openai/openapi.yaml``) is OpenAPI 3.1, so its schemas are
JSON Schema 2020-12 except for leftovers from 3.0: ``nullable: true`` is rewritten into a
``"null"`` type (or an ``anyOf`` with null), and ``discriminator`` is left alone (it is only an
annotation; the ``oneOf`` it sits on still decides).

Most object schemas in the document do not say ``additionalProperties: false``, which would let
a misspelt field pass unnoticed. ``validator(name, closed=True)`` therefore closes every object
schema that declares ``properties`` with ``unevaluatedProperties: false``, except where a schema
is one piece of a composition (an ``allOf`` member, or a branch of a ``oneOf``/``anyOf`` whose
parent declares properties of its own): closing a piece would reject its siblings' fields, so
there the closing goes on the composition instead, and a named schema used as a piece is
referenced through an open copy of itself (``#/components/open/<name>``), while every other use
of it stays closed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import yaml
from referencing.jsonschema import DRAFT202012

# Inside the shared folder's specs/; the tests hand the resolved path to ``use_spec`` (from the
# ``shared_spec`` fixture, so a missing folder fails the same way as everywhere else).
SPEC = "openai/openapi.yaml"
_SPEC_PATH: list[Path] = []


def use_spec(path: Path) -> None:
    """Read OpenAI's document from ``path`` (the first call wins; later ones must agree)."""
    if not _SPEC_PATH:
        _SPEC_PATH.append(path)
    assert _SPEC_PATH[0] == path, (_SPEC_PATH[0], path)


def spec_path() -> Path:
    if not _SPEC_PATH:
        raise RuntimeError("the OpenAI spec's location is unset: take the shared_spec fixture, call use_spec")
    return _SPEC_PATH[0]


_URI = "urn:llmkit-tests:openai-openapi"
_REF = "#/components/schemas/"


@functools.cache
def raw_spec() -> dict[str, Any]:
    """The document as published. Parsing the YAML takes 1-2 s, so the result is kept as JSON in
    the temp directory, keyed by the file's size and mtime (loading that takes ~50 ms)."""
    stat = spec_path().stat()
    cache = (
        Path(tempfile.gettempdir()) / f"llmkit-tests-openai-openapi-{stat.st_size}-{stat.st_mtime_ns}.json"
    )
    with contextlib.suppress(OSError, ValueError):
        return json.loads(cache.read_bytes())  # type: ignore[no-any-return]
    with spec_path().open("rb") as f:
        doc = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    text = json.dumps(doc, default=str)  # YAML dates become strings, integer keys strings
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, cache)  # atomic, so parallel workers never read half a file
    return json.loads(text)  # type: ignore[no-any-return]


def _denull(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` rewritten as JSON Schema, everywhere in ``node``."""
    if isinstance(node, list):
        return [_denull(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _denull(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is not True:
        return out
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(kind, list):
        out["type"] = kind if "null" in kind else [*kind, "null"]
        return out
    # No type of its own ($ref, oneOf, ...): allow null beside whatever it is.
    return {"anyOf": [out, {"type": "null"}]}


def _composed_names(node: Any, into: set[str]) -> None:
    """Names of component schemas used as pieces of a composition (they must stay open)."""
    if isinstance(node, list):
        for x in node:
            _composed_names(x, into)
        return
    if not isinstance(node, dict):
        return
    pieces: list[Any] = list(node.get("allOf") or ())
    if "properties" in node:
        pieces += list(node.get("oneOf") or ()) + list(node.get("anyOf") or ())
    for piece in pieces:
        ref = piece.get("$ref") if isinstance(piece, dict) else None
        if isinstance(ref, str) and ref.startswith(_REF):
            into.add(ref[len(_REF) :])
    for v in node.values():
        _composed_names(v, into)


def _declares_fields(node: Any, schemas: dict[str, Any]) -> bool:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(_REF):
        node = schemas.get(node["$ref"][len(_REF) :])
    if not isinstance(node, dict):
        return False
    if "properties" in node or "additionalProperties" in node:
        return True
    return bool(node.get("allOf")) and all(_declares_fields(p, schemas) for p in node["allOf"])


_OPEN = "#/components/open/"


def _close(node: Any, schemas: dict[str, Any], piece: bool = False) -> None:
    if isinstance(node, list):
        for x in node:
            _close(x, schemas)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if piece and isinstance(ref, str) and ref.startswith(_REF):
        node["$ref"] = _OPEN + ref[len(_REF) :]
    settled = "additionalProperties" in node or "unevaluatedProperties" in node
    declares = "properties" in node or (node.get("allOf") and _declares_fields(node, schemas))
    if declares and not piece and not settled:
        node["unevaluatedProperties"] = False
    composes = "properties" in node
    for key, value in node.items():
        if key == "allOf":
            for p in value:
                _close(p, schemas, piece=True)
        elif key in ("oneOf", "anyOf"):
            for p in value:
                _close(p, schemas, piece=composes)
        elif key not in ("enum", "const", "default", "example", "examples", "x-oaiMeta"):
            _close(value, schemas)


@functools.cache
def _registry(closed: bool) -> referencing.Registry[Any]:
    doc = _denull({"components": raw_spec()["components"]})  # a fresh tree: closing may change it
    if closed:
        schemas = doc["components"]["schemas"]
        composed: set[str] = set()
        _composed_names(schemas, composed)
        # Open copies first, from the untouched schemas; their own pieces point at open copies too.
        opened = {name: _denull(raw_spec()["components"]["schemas"][name]) for name in composed}
        for schema in opened.values():
            _close(schema, schemas, piece=True)
        for schema in schemas.values():
            _close(schema, schemas)
        doc["components"]["open"] = opened
    resource = referencing.Resource.from_contents(doc, default_specification=DRAFT202012)
    return referencing.Registry().with_resource(_URI, resource)


@functools.cache
def validator(name: str, closed: bool = True) -> jsonschema.Draft202012Validator:
    """A validator for ``components.schemas[name]`` (closed: unknown fields are errors)."""
    if name not in raw_spec()["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {spec_path()}")
    return jsonschema.Draft202012Validator({"$ref": f"{_URI}{_REF}{name}"}, registry=_registry(closed))


def _leaves(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The errors that explain ``err``: for a failed oneOf/anyOf, those of the branch that was meant.

    A branch of the wrong JSON type, or whose discriminating field (``role``, ``type``) failed its
    ``enum``, was clearly not the one meant; among the rest, the one with the fewest errors is taken.
    """
    if not err.context:
        return [err]
    branches: dict[int, list[jsonschema.ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    meant = [
        errs
        for errs in branches.values()
        if not any(
            (e.validator in ("enum", "const") and len(e.relative_path) == 1)
            or (e.validator == "type" and not e.relative_path)
            for e in errs
        )
    ]
    if not meant:
        return [err]
    return [leaf for sub in min(meant, key=len) for leaf in _leaves(sub)]


def problems(name: str, instance: Any, closed: bool = True) -> list[str]:
    """Every way ``instance`` breaks schema ``name``, as ``path: message`` lines (empty if valid)."""
    out = []
    for err in validator(name, closed).iter_errors(instance):
        for leaf in _leaves(err):
            where = "/".join(map(str, leaf.absolute_path)) or "<root>"
            out.append(f"{where}: {leaf.message[:300]}")
    return sorted(set(out))


def assert_valid(name: str, instance: Any, closed: bool = True) -> None:
    found = problems(name, instance, closed)
    assert not found, f"not a valid {name}:\n  " + "\n  ".join(found)


def sse_data(raw: bytes) -> list[str]:
    """The ``data`` payloads of an SSE body, in order (multi-line data joined with newlines)."""
    out = []
    for event in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        lines = [ln[5:].removeprefix(b" ") for ln in event.split(b"\n") if ln.startswith(b"data:")]
        if lines:
            out.append(b"\n".join(lines).decode())
    return out


# ---------------------------------------------------------------- logical calls shared by the tests
#
# One row per logical call: what an llmkit user writes, and what an openai SDK user writes for the
# same request. test_openai_sdk.py checks that both send the same JSON body; test_openai_spec.py
# checks llmkit's body, and the emulator's answer to it, against the spec above.

CHAT_MODEL = "gpt-4o-mini"
EMBED_MODEL = "text-embedding-3-small"

WEATHER_PARAMS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name, e.g. Paris"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": WEATHER_PARAMS,
        "strict": True,
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
    },
}
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
IMAGE_URL = "https://example.com/images/boardwalk.jpg"

# A finished tool round: the assistant called two tools in parallel and both answered.
TOOL_ROUND: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a terse weather assistant."},
    {"role": "user", "content": "Weather in Paris and Rome, in celsius?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_paris",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris","unit":"celsius"}'},
            },
            {
                "id": "call_rome",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Rome","unit":"celsius"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_paris", "content": "18 C, cloudy"},
    {"role": "tool", "tool_call_id": "call_rome", "content": "24 C, sunny"},
]

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
    "required": ["city", "celsius"],
    "additionalProperties": False,
}
LOOSE_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string"}}}


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


class Call:
    """``kind`` is chat, stream or embed. ``llmkit`` is (messages or inputs, keyword arguments);
    ``sdk`` the keyword arguments of ``chat.completions.create`` / ``embeddings.create``."""

    def __init__(
        self,
        id: str,
        kind: str,
        llmkit: tuple[Any, dict[str, Any]],
        sdk: dict[str, Any],
        note: str = "",
    ) -> None:
        self.id, self.kind, self.llmkit, self.sdk, self.note = id, kind, llmkit, sdk, note

    def __repr__(self) -> str:
        return f"Call({self.id})"


CALLS: list[Call] = [
    Call("plain_text", "chat", ("Say hello.", {}), {"messages": _user("Say hello.")}),
    Call(
        "system_user",
        "chat",
        ([{"role": "system", "content": "Be brief."}, *_user("Hi")], {}),
        {"messages": [{"role": "system", "content": "Be brief."}, *_user("Hi")]},
    ),
    Call(
        "multi_turn_tool_results",
        "chat",
        (
            [
                *TOOL_ROUND[:2],
                {"role": "assistant", "content": "Let me check."},
                *_user("Go on."),
                *TOOL_ROUND[2:],
            ],
            {"tools": [WEATHER_TOOL]},
        ),
        {
            "messages": [
                *TOOL_ROUND[:2],
                {"role": "assistant", "content": "Let me check."},
                *_user("Go on."),
                *TOOL_ROUND[2:],
            ],
            "tools": [WEATHER_TOOL],
        },
    ),
    Call(
        "image_url",
        "chat",
        (
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in this image?"},
                        {"type": "image_url", "image_url": {"url": IMAGE_URL, "detail": "low"}},
                    ],
                }
            ],
            {},
        ),
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in this image?"},
                        {"type": "image_url", "image_url": {"url": IMAGE_URL, "detail": "low"}},
                    ],
                }
            ]
        },
    ),
    Call(
        "image_base64",
        "chat",
        (
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
                        {"type": "text", "text": "Describe it."},
                    ],
                }
            ],
            {},
        ),
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
                        {"type": "text", "text": "Describe it."},
                    ],
                }
            ]
        },
    ),
    Call(
        "tools_description_strict",
        "chat",
        (_user("Weather in Oslo?"), {"tools": [WEATHER_TOOL, TIME_TOOL]}),
        {"messages": _user("Weather in Oslo?"), "tools": [WEATHER_TOOL, TIME_TOOL]},
    ),
    *(
        Call(
            f"tool_choice_{choice}",
            "chat",
            (_user("Weather in Oslo?"), {"tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": choice}),
            {
                "messages": _user("Weather in Oslo?"),
                "tools": [WEATHER_TOOL, TIME_TOOL],
                "tool_choice": choice,
            },
        )
        for choice in ("auto", "required", "none")
    ),
    Call(
        "tool_choice_forced",
        "chat",
        # llmkit also takes the bare tool name; the SDK user writes the named-tool object.
        (_user("Time in Oslo?"), {"tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": "get_time"}),
        {
            "messages": _user("Time in Oslo?"),
            "tools": [WEATHER_TOOL, TIME_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_time"}},
        },
    ),
    Call(
        "tool_choice_forced_dict",
        "chat",
        (
            _user("Time in Oslo?"),
            {
                "tools": [WEATHER_TOOL, TIME_TOOL],
                "tool_choice": {"type": "function", "function": {"name": "get_time"}},
            },
        ),
        {
            "messages": _user("Time in Oslo?"),
            "tools": [WEATHER_TOOL, TIME_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_time"}},
        },
    ),
    Call(
        "response_format_json_schema",
        "chat",
        (
            _user("Weather in Oslo as JSON."),
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "weather", "schema": ANSWER_SCHEMA, "strict": True},
                }
            },
        ),
        {
            "messages": _user("Weather in Oslo as JSON."),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "weather", "schema": ANSWER_SCHEMA, "strict": True},
            },
        },
    ),
    Call(
        "response_format_json_schema_loose",
        "chat",
        (
            _user("Weather in Oslo as JSON."),
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "city", "schema": LOOSE_SCHEMA},
                }
            },
        ),
        {
            "messages": _user("Weather in Oslo as JSON."),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "city", "schema": LOOSE_SCHEMA},
            },
        },
    ),
    Call(
        "response_format_json_object",
        "chat",
        (_user("Reply in JSON."), {"response_format": {"type": "json_object"}}),
        {"messages": _user("Reply in JSON."), "response_format": {"type": "json_object"}},
    ),
    Call(
        "temperature_max_tokens",
        "chat",
        (_user("Hi"), {"temperature": 0.2, "max_tokens": 50}),
        # The openai provider sends max_completion_tokens, as an SDK user does (max_tokens is deprecated).
        {"messages": _user("Hi"), "temperature": 0.2, "max_completion_tokens": 50},
    ),
    Call(
        "stop_list",
        "chat",
        (_user("Count."), {"stop": ["END", "\n\n"]}),
        {"messages": _user("Count."), "stop": ["END", "\n\n"]},
    ),
    Call(
        "stop_single",
        "chat",
        (_user("Count."), {"stop": "END"}),
        {"messages": _user("Count."), "stop": ["END"]},
        note="llmkit always sends stop as a list; an SDK user may also write stop='END' (same meaning).",
    ),
    Call(
        "stream_include_usage",
        "stream",
        ("Tell me a story.", {}),
        {"messages": _user("Tell me a story."), "stream": True, "stream_options": {"include_usage": True}},
    ),
    Call(
        "stream_tools",
        "stream",
        (_user("Weather in Oslo?"), {"tools": [WEATHER_TOOL], "tool_choice": "required"}),
        {
            "messages": _user("Weather in Oslo?"),
            "tools": [WEATHER_TOOL],
            "tool_choice": "required",
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    ),
    Call(
        "seed_top_p_options",
        "chat",
        (_user("Pick a number."), {"seed": 1, "top_p": 0.5}),
        {"messages": _user("Pick a number."), "seed": 1, "top_p": 0.5},
    ),
    Call(
        "more_options",
        "chat",
        (
            _user("Hi"),
            {"presence_penalty": 0.5, "frequency_penalty": 0.25, "parallel_tool_calls": False, "user": "u-1"},
        ),
        {
            "messages": _user("Hi"),
            "presence_penalty": 0.5,
            "frequency_penalty": 0.25,
            "parallel_tool_calls": False,
            "user": "u-1",
        },
    ),
    Call(
        "embed_dimensions",
        "embed",
        (["first text", "second text"], {"dimensions": 16}),
        # The SDK defaults to base64 vectors; llmkit asks for floats, so the SDK user says so too.
        {"input": ["first text", "second text"], "dimensions": 16, "encoding_format": "float"},
    ),
    Call(
        "embed_single_text",
        "embed",
        ("just one", {}),
        {"input": ["just one"], "encoding_format": "float"},
        note="llmkit always sends input as a list; an SDK user may also write input='just one'.",
    ),
]
