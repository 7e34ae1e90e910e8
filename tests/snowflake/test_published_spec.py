"""llmkit's Cortex request bodies and the emulator's answers against Snowflake's published OpenAPI
documents (../shared/specs/snowflake/, from snowflakedb/snowflake-rest-api-specs@42671a90), with
jsonschema: CompleteRequest and its content items, the stream's data events and typed deltas,
NonStreamingCompleteResponse, EmbedRequest/EmbedResponse, ErrorResponse; and the paths and token
types llmkit sends are the ones the documents name."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from referencing.jsonschema import DRAFT202012

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator import snowflake as emu_snowflake
from llmkit.framing.sse import SSEDecoder
from llmkit.types import ImagePart, Message, TextPart, Tool, ToolCall

from .conftest import SnowflakeUser

DOCS = ("common.yaml", "cortex-inference.yaml", "cortex-embed.yaml", "cortex-generic-openai.yaml")
DOCS += ("cortex-generic-anthropic.yaml",)
ROOT = "https://specs.invalid/snowflake/"
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
# The content-list discriminator's mapping, with its one slip fixed: the mapping key is
# "tool_result" while the ToolResults schema's type enum (and Snowflake's docs) say "tool_results".
ITEM_SCHEMAS = {
    "text": "TextContent",
    "tool_results": "ToolResults",
    "tool_use": "ToolUse",
    "image": "Image",
    "anthropic": "AnthropicOutput",
    "openai": "OpenAIOutput",
}
DELTA_SCHEMAS = {
    "text": "StreamingTextContent",
    "tool_use": "StreamingToolUse",
    "anthropic": "StreamingAnthropicOutput",
    "openai": "StreamingOpenAIOutput",
}
pytestmark = pytest.mark.usefixtures("sf_env")


def _denull(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's ``"null"`` type."""
    if isinstance(node, list):
        return [_denull(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _denull(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@functools.cache
def _registry(folder: Path) -> referencing.Registry[Any]:
    registry: referencing.Registry[Any] = referencing.Registry()
    for name in DOCS:
        with (folder / name).open("rb") as f:
            doc = _denull(yaml.load(f, Loader=yaml.CSafeLoader))
        registry = registry.with_resource(ROOT + name, DRAFT202012.create_resource(doc))
    return registry


@pytest.fixture(scope="module")
def check(shared_spec: Callable[[str], Path]) -> Callable[[str, str, Any], None]:
    folder = shared_spec("snowflake/common.yaml").parent

    def run(doc: str, schema: str, instance: Any) -> None:
        ref = {"$ref": f"{ROOT}{doc}#/components/schemas/{schema}"}
        validator = jsonschema.Draft202012Validator(ref, registry=_registry(folder))
        problems = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        detail = "\n".join(
            f"  {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in problems[:6]
        )
        assert not problems, f"not a valid {schema} ({doc}):\n{detail}"

    return run


def _check_complete_request(check: Callable[[str, str, Any], None], body: dict[str, Any]) -> None:
    check("cortex-inference.yaml", "CompleteRequest", body)
    for msg in body["messages"]:
        assert set(msg) <= {"role", "content", "content_list"}
        assert msg["role"] in ("system", "user", "assistant")
        for item in msg.get("content_list", ()):
            check("cortex-inference.yaml", ITEM_SCHEMAS[item["type"]], item)
    for tool in body.get("tools", ()):
        check("cortex-inference.yaml", "Tool", tool)
    if "tool_choice" in body:
        check("cortex-inference.yaml", "ToolChoice", body["tool_choice"])


def _native(emu: Emulator, user: SnowflakeUser, messages: Any, **kwargs: Any) -> dict[str, Any]:
    llmkit.complete("snowflake/claude-3-5-sonnet", messages, cortex_api="native", **user.options, **kwargs)
    body: dict[str, Any] = json.loads(emu.requests[-1].body)
    return body


def test_native_request_bodies_validate(
    emu: Emulator, sf_user: SnowflakeUser, check: Callable[[str, str, Any], None]
) -> None:
    call = ToolCall("toolu_1", "get_weather", {"city": "Oslo"})
    history: list[Any] = [
        {"role": "system", "content": "Be brief."},
        Message("user", (TextPart("What is this?"), ImagePart(data=PNG, media_type="image/png"))),
        Message("assistant", "Let me check.", (call,)),
        {"role": "tool", "tool_call_id": "toolu_1", "content": "-3 C"},
    ]
    bodies = [
        _native(emu, sf_user, [{"role": "user", "content": "hi"}], temperature=0.2, max_tokens=64),
        _native(emu, sf_user, history, tools=[WEATHER], tool_choice="auto"),
        _native(emu, sf_user, [{"role": "user", "content": "x"}], tools=[WEATHER], tool_choice="get_weather"),
        _native(
            emu,
            sf_user,
            [{"role": "user", "content": "json"}],
            response_format={"type": "object", "properties": {"a": {"type": "integer"}}},
            guardrails={"enabled": True, "response_when_unsafe": "Response filtered by Cortex Guard"},
            top_p=0.5,
        ),
    ]
    for body in bodies:
        _check_complete_request(check, body)
    assert bodies[1]["messages"][1]["content_list"][1]["type"] == "image"
    assert bodies[2]["tool_choice"] == {"type": "tool", "name": ["get_weather"]}
    assert bodies[3]["response_format"]["type"] == "json"


def _events(emu: Emulator, user: SnowflakeUser, script: Script, **kwargs: Any) -> list[dict[str, Any]]:
    """The emulator's raw answer to a native call, as parsed events (read with a plain client)."""
    import httpx2

    emu.script(script)
    body = {"model": "llama3.1-70b", "messages": [{"role": "user", "content": "hi"}], **kwargs}
    token = "pat-spec-check"
    emu_snowflake.register_token(emu, token, "PROGRAMMATIC_ACCESS_TOKEN")
    url = emu.base_url("snowflake") + "/api/v2/cortex/inference:complete"
    headers = {
        "authorization": f"Bearer {token}",
        "x-snowflake-authorization-token-type": "PROGRAMMATIC_ACCESS_TOKEN",
    }
    resp = httpx2.post(url, json=body, headers=headers)
    if resp.headers["content-type"].startswith("application/json"):
        return [resp.json()]
    return [json.loads(e.data) for e in SSEDecoder().feed(resp.content + b"\n\n")]


def test_emulator_stream_events_validate(
    emu: Emulator, sf_user: SnowflakeUser, check: Callable[[str, str, Any], None]
) -> None:
    for script in (
        Script(text="Cold and clear in Oslo."),
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"})]),
    ):
        events = _events(emu, sf_user, script, guardrails={"enabled": True})
        for event in events:
            check("cortex-inference.yaml", "StreamingCompleteResponseDataEvent", event)
            for choice in event["choices"]:
                delta = choice["delta"]
                check("cortex-inference.yaml", "StreamingCompleteResponseDelta", delta)
                check("cortex-inference.yaml", DELTA_SCHEMAS[delta["type"]], delta)
        usage = events[-1]["usage"]
        check("cortex-inference.yaml", "NonStreamingCompleteResponse", {"usage": usage})  # the Usage schema
        assert usage["guard_tokens"] > 0


def test_emulator_non_streaming_answer_validates(
    emu: Emulator, sf_user: SnowflakeUser, check: Callable[[str, str, Any], None]
) -> None:
    (answer,) = _events(
        emu, sf_user, Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"})]), stream=False
    )
    check("cortex-inference.yaml", "NonStreamingCompleteResponse", answer)
    for item in answer["choices"][0]["message"]["content_list"]:
        check("cortex-inference.yaml", ITEM_SCHEMAS[item["type"]], item)


def test_embed_request_and_answer_validate(
    emu: Emulator, sf_user: SnowflakeUser, check: Callable[[str, str, Any], None]
) -> None:
    got = llmkit.embed(
        "snowflake/snowflake-arctic-embed-m", ["Hello world", "Machine learning"], **sf_user.options
    )
    check("cortex-embed.yaml", "EmbedRequest", json.loads(emu.requests[-1].body))
    check("cortex-embed.yaml", "EmbedResponse", got.raw)


def test_emulator_errors_validate(
    emu: Emulator, sf_user: SnowflakeUser, check: Callable[[str, str, Any], None]
) -> None:
    emu.script(Script(error=ScriptedError(429, "slow down")))
    with pytest.raises(llmkit.errors.RateLimitError) as info:
        llmkit.complete(
            "snowflake/mistral-large2", [{"role": "user", "content": "x"}], max_retries=0, **sf_user.options
        )
    check("common.yaml", "ErrorResponse", info.value.body)
    bad = emu_snowflake.error(401, "JWT token is invalid.", "390144")
    check("common.yaml", "ErrorResponse", json.loads(bad.body))


def test_paths_and_token_types_are_the_documented_ones(shared_spec: Callable[[str], Path]) -> None:
    from llmkit.auth.snowflake import KEYPAIR_JWT, OAUTH, PAT, TOKEN_TYPE_HEADER
    from llmkit.dialects.snowflake_cortex import CHAT_PATH, MESSAGES_PATH
    from llmkit.dialects.snowflake_cortex._native import COMPLETE_PATH, EMBED_PATH

    folder = shared_spec("snowflake/common.yaml").parent
    paths = set()
    for name in DOCS[1:]:
        with (folder / name).open("rb") as f:
            paths |= set(yaml.safe_load(f)["paths"])
    assert {CHAT_PATH, MESSAGES_PATH, COMPLETE_PATH, EMBED_PATH} <= paths
    common = (folder / "common.yaml").read_text()
    for value in (KEYPAIR_JWT, OAUTH, PAT):
        assert f"`{TOKEN_TYPE_HEADER}` to `{value}`" in common.replace("\n        ", " ")


def test_the_checks_can_fail(check: Callable[[str, str, Any], None]) -> None:
    for schema, bad in (
        ("CompleteRequest", {"model": "m"}),  # no messages
        ("CompleteRequest", {"model": "m", "messages": []}),  # minItems 1
        (
            "ToolResults",
            {"type": "tool_result", "tool_results": {"tool_use_id": "a", "name": "b", "content": []}},
        ),
        ("Tool", {"tool_spec": {"name": "x"}}),  # no type
    ):
        with pytest.raises(AssertionError, match=schema):
            check("cortex-inference.yaml", schema, bad)
    with pytest.raises(AssertionError):
        check("cortex-embed.yaml", "EmbedResponse", {"object": "list", "data": [{"embedding": [0.1]}]})
