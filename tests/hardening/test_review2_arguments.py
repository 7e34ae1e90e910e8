"""Arguments the earlier checks let through: typed content parts holding the wrong types (bytes
instead of base64 text, an int, nothing at all), a tool message without tool_call_id, and a pydantic
response_format that pydantic itself cannot turn into a JSON schema. Each is a ConfigurationError
raised before any network, for every provider family, sync and async; the message says what to pass.
"""

from __future__ import annotations

import asyncio
from typing import Any

import _transport_servers as ts
import pydantic
import pytest

import llmkit
from llmkit.errors import ConfigurationError
from llmkit.types import AudioPart, DocumentPart, ImagePart, Message, ReasoningPart, TextPart

MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "gemini/gemini-2.0-flash",
    "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
    "sagemaker/my-llm-endpoint",
]
MODES = ["sync", "async"]


def _never(server: ts.Server, sock: Any, f: Any) -> None:
    server.read(f)
    ts.respond(sock, 200, ts.COMPLETION)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEREVIEW2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-review2-0000")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def _refused(mode: str, model: str, messages: Any, **kw: Any) -> ConfigurationError:
    with ts.Server(_never) as server:
        opts: dict[str, Any] = {"base_url": server.url, "max_retries": 0}
        if not model.startswith(("bedrock/", "sagemaker/")):
            opts["api_key"] = ts.KEY
        with pytest.raises(ConfigurationError) as info:
            if mode == "sync":
                with llmkit.Client(**opts) as c:
                    c.complete(model, messages, **kw)
            else:

                async def main() -> None:
                    async with llmkit.AsyncClient(**opts) as c:
                        await c.complete(model, messages, **kw)

                asyncio.run(main())
        assert server.requests == [], "an argument error must be raised before any network"
    return info.value


BAD_PARTS = {
    "image bytes": ImagePart(data=b"\x89PNG", media_type="image/png"),  # type: ignore[arg-type]
    "image int": ImagePart(data=5, media_type="image/png"),  # type: ignore[arg-type]
    "image nothing": ImagePart(),
    "image url bytes": ImagePart(url=b"https://example.invalid/a.png"),  # type: ignore[arg-type]
    "image media int": ImagePart(data="iVBORw0KGgo=", media_type=5),  # type: ignore[arg-type]
    "document bytes": DocumentPart(data=b"%PDF-1.4"),  # type: ignore[arg-type]
    "document nothing": DocumentPart(),
    "audio bytes": AudioPart(b"RIFF"),  # type: ignore[arg-type]
    "text bytes": TextPart(b"hi"),  # type: ignore[arg-type]
    "text none": TextPart(None),  # type: ignore[arg-type]
    "reasoning int": ReasoningPart(5),  # type: ignore[arg-type]
    "not a part": 5,
}


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("label", list(BAD_PARTS))
def test_a_typed_part_with_wrong_types_is_refused_before_network(label: str, model: str, mode: str) -> None:
    part = BAD_PARTS[label]
    for messages in ([Message("user", (TextPart("look"), part))], [{"role": "user", "content": [part]}]):
        err = _refused(mode, model, messages)
        assert "content[" in str(err), str(err)
    if label.endswith("bytes"):
        assert "base64" in str(err) or "str" in str(err)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", MODELS)
def test_a_tool_message_needs_its_tool_call_id(model: str, mode: str) -> None:
    for tool in ({"role": "tool", "content": "42"}, Message("tool", "42")):
        err = _refused(mode, model, [{"role": "user", "content": "hi"}, tool])
        assert "tool_call_id" in str(err)


class _Opaque:
    pass


class NotFullyDefined(pydantic.BaseModel):
    x: int
    y: Undefined  # type: ignore[name-defined]  # noqa: F821


class NoSchema(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    thing: _Opaque


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("cls", [NotFullyDefined, NoSchema], ids=lambda c: c.__name__)
def test_a_pydantic_model_without_a_json_schema_is_a_configuration_error(
    cls: type[pydantic.BaseModel], model: str, mode: str
) -> None:
    err = _refused(mode, model, "hi", response_format=cls)
    assert cls.__name__ in str(err) and "JSON schema" in str(err)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", [1, b"x-a", None], ids=repr)
def test_a_header_name_that_is_not_a_string_is_named_as_the_problem(key: Any, mode: str) -> None:
    err = _refused(mode, MODELS[0], "hi", extra_headers={key: "v"})
    assert "header name" in str(err) and "convert the value" not in str(err)
