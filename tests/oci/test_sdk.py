"""The oci SDK as the third party: its own client, signer and models against the emulator (so the
emulator's signature check and answers are held to the SDK), and llmkit's request bodies read
field by field through the SDK's models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.oci import DIALECT
from llmkit.emulator import Emulator
from llmkit.emulator.oci import COMPARTMENT, TENANCY, USER
from llmkit.emulator.oci_auth import OciTestCredentials
from llmkit.providers import get_spec
from llmkit.types import ImagePart, Message, TextPart, Tool, ToolCall

oci = pytest.importorskip("oci")
models = oci.generative_ai_inference.models
LLAMA = "meta.llama-3.3-70b-instruct"


def _client(emu: Emulator, creds: OciTestCredentials, key_file: str | None = None) -> Any:
    config = {
        "tenancy": TENANCY,
        "user": USER,
        "fingerprint": creds.fingerprint,
        "key_file": key_file or creds.key_file,
        "region": "us-chicago-1",
    }
    return oci.generative_ai_inference.GenerativeAiInferenceClient(
        config, service_endpoint=emu.base_url("oci"), retry_strategy=oci.retry.NoneRetryStrategy()
    )


def test_sdk_generic_chat_against_the_emulator(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    details = models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id=LLAMA),
        chat_request=models.GenericChatRequest(
            messages=[models.UserMessage(content=[models.TextContent(text="hi")])], max_tokens=20
        ),
    )
    data = _client(emu, oci_creds).chat(details).data
    assert data.chat_response.choices[0].message.content[0].text.endswith("You said: hi")
    assert data.chat_response.usage.total_tokens > 0


def test_sdk_cohere_chat_and_embed(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    client = _client(emu, oci_creds)
    details = models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id="cohere.command-a-03-2025"),
        chat_request=models.CohereChatRequest(message="hello", preamble_override="Be terse."),
    )
    answer = client.chat(details).data.chat_response
    assert answer.text.endswith("You said: hello") and answer.finish_reason == "COMPLETE"
    embed = models.EmbedTextDetails(
        inputs=["a", "b"],
        serving_mode=models.OnDemandServingMode(model_id="cohere.embed-v4.0"),
        compartment_id=COMPARTMENT,
    )
    assert len(client.embed_text(embed).data.embeddings) == 2


def test_sdk_stream_against_the_emulator(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    details = models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id=LLAMA),
        chat_request=models.GenericChatRequest(
            messages=[models.UserMessage(content=[models.TextContent(text="hi")])],
            is_stream=True,
            stream_options=models.StreamOptions(is_include_usage=True),
        ),
    )
    events = [e.data for e in _client(emu, oci_creds).chat(details).data.events()]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "usage" in chunks[-1] and chunks[-2]["finishReason"] == "stop"


def test_emulator_refuses_an_sdk_request_signed_by_another_key(
    emu: Emulator, oci_creds: OciTestCredentials, tmp_path: Any
) -> None:
    from llmkit.emulator.oci import new_api_key

    other = new_api_key(tmp_path)
    details = models.EmbedTextDetails(
        inputs=["a"], serving_mode=models.OnDemandServingMode(model_id="m"), compartment_id=COMPARTMENT
    )
    with pytest.raises(oci.exceptions.ServiceError) as info:
        _client(emu, oci_creds, key_file=other.key_file).embed_text(details)
    assert info.value.status == 401 and info.value.code == "NotAuthenticated"
    assert info.value.request_id


def _known(obj: Any, model: Any, where: str) -> None:
    """Every key llmkit sent is a field of the SDK model (or of the subtype its discriminator names)."""
    sub = model.get_subtype(obj) if hasattr(model, "get_subtype") else None
    cls = getattr(models, sub) if isinstance(sub, str) and hasattr(models, sub) else model
    fields = {wire: name for name, wire in cls().attribute_map.items()}
    types = cls().swagger_types
    for key, value in obj.items():
        assert key in fields, f"{where}: {key} is not a field of {cls.__name__}"
        kind = types[fields[key]]
        inner = kind[len("list[") : -1] if kind.startswith("list[") else kind
        target = getattr(models, inner, None)
        items = value if isinstance(value, list) else [value]
        if target is not None:
            for item in items:
                if isinstance(item, dict):
                    _known(item, target, f"{where}.{key}")


WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


@pytest.mark.parametrize("fmt", ["GENERIC", "COHERE"])
def test_llmkit_bodies_read_by_the_sdk_models(fmt: str) -> None:
    call = ToolCall("call_1", "get_weather", {"city": "Paris"})
    messages = [
        Message("system", "Be terse."),
        Message(
            "user",
            (TextPart("look"), ImagePart(url="https://example.com/a.png")) if fmt == "GENERIC" else "look",
        ),
        Message("assistant", "", (call,)),
        Message("tool", '{"temp": 21}', tool_call_id="call_1"),
    ]
    req = ChatRequest(
        LLAMA,
        messages,
        tools=[WEATHER],
        tool_choice=ForcedTool("get_weather") if fmt == "GENERIC" else None,
        temperature=0.1,
        max_tokens=9,
        stop=["x"],
        stream=True,
        options={"api_format": fmt, "top_p": 0.5},
    )
    ctx = CallContext(get_spec("oci"), LLAMA, "https://h", params={"compartment_id": COMPARTMENT})
    body = json.loads(DIALECT.build_chat(req, ctx).body or b"")
    _known(body, models.ChatDetails, "ChatDetails")
    embed = json.loads(
        DIALECT.build_embed(EmbedRequest("cohere.embed-v4.0", ["a"], dimensions=256), ctx).body or b""
    )
    _known(embed, models.EmbedTextDetails, "EmbedTextDetails")
