"""Yandex Foundation Models held against references nobody here wrote:

* the official SDK's recorded live responses (tests/fixtures/regional/yandex_*.json, see the
  .source.md): each recorded message, wrapped as REST wraps it, decodes with llmkit's dialect,
  and the recorded requests are what llmkit builds for the same calls;
* the SDK's protobuf models (``yandexcloud``'s ``CompletionRequest`` / ``CompletionResponse``):
  every body llmkit sends and every answer the emulator gives parses with ``json_format.Parse``,
  which refuses unknown fields and wrong types.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from _regional_helpers import last_body, run, yandex_options

from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.yandex import DIALECT, YandexStreamDecoder
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.providers import get_spec
from llmkit.types import Message, TextDelta, Tool, ToolCall, UsageUpdate
from llmkit.wire import HttpResponse

pb = pytest.importorskip("yandex.cloud.ai.foundation_models.v1.text_generation.text_generation_service_pb2")
json_format = pytest.importorskip("google.protobuf.json_format")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "regional"
RECORDED_FOLDER = "b1ghsjum2v37c2un8h64"


def recorded(name: str) -> list[dict[str, Any]]:
    # reads yandex_test_run.json, yandex_test_run_stream.json and yandex_test_function_call.json
    return json.loads((FIXTURES / f"yandex_{name}.json").read_text())  # type: ignore[no-any-return]


def ctx(model: str) -> CallContext:
    return CallContext(
        get_spec("yandex"), model, "https://llm.api.cloud.yandex.net", {}, {"folder_id": RECORDED_FOLDER}
    )


def answer(message: dict[str, Any]) -> HttpResponse:
    return HttpResponse(200, {}, json.dumps({"result": message}).encode())


def test_recorded_answer_decodes() -> None:
    (it,) = recorded("test_run")
    c = DIALECT.parse_chat(answer(it["response_stream"][0]), ChatRequest("yandexgpt", []), ctx("yandexgpt"))
    assert (c.text, c.finish_reason) == ("Hi there! How are you?", "stop")
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (15, 8, 23)
    req = ChatRequest("yandexgpt", [Message("user", "hello")])
    body = DIALECT.build_chat(req, ctx("yandexgpt")).json
    assert body["modelUri"] == it["request"]["modelUri"]
    assert body["messages"] == it["request"]["messages"]


def test_recorded_stream_is_cumulative_and_decodes_to_the_final_text() -> None:
    (it,) = recorded("test_run_stream")
    lines = it["response_stream"]
    texts = [m["alternatives"][0]["message"]["text"] for m in lines]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))  # cumulative: checked
    decoder = YandexStreamDecoder(ctx("yandexgpt"))
    wire = b"".join(json.dumps({"result": m}, ensure_ascii=False).encode() + b"\n" for m in lines)
    events = []
    for i in range(0, len(wire), 97):  # chunked anywhere, even inside a UTF-8 character
        events += decoder.feed(wire[i : i + 97])
    assert decoder.done
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == texts[-1]
    final = lines[-1]
    assert final["alternatives"][0]["status"] == "ALTERNATIVE_STATUS_FINAL"
    usage = next(e for e in events if isinstance(e, UsageUpdate)).usage
    assert usage.output_tokens == int(final["usage"]["completionTokens"])


def test_recorded_tool_call_round_trip() -> None:
    first, second = recorded("test_function_call")
    tool_spec = first["request"]["tools"][0]["function"]
    tool = Tool(tool_spec["name"], tool_spec["description"], tool_spec["parameters"])
    c = DIALECT.parse_chat(
        answer(first["response_stream"][0]), ChatRequest("yandexgpt/rc", []), ctx("yandexgpt/rc")
    )
    assert c.finish_reason == "tool_calls"
    assert [(t.name, t.arguments) for t in c.tool_calls] == [("something", {"numbers": [5.0, 4.0, 1.0]})]
    history = [
        Message("user", first["request"]["messages"][0]["text"]),
        Message("assistant", "", tool_calls=(ToolCall("call_0", "something", {"numbers": [5.0, 4.0, 1.0]}),)),
        Message("tool", "+20.0", tool_call_id="call_0"),
    ]
    body = DIALECT.build_chat(ChatRequest("yandexgpt/rc", history, tools=[tool]), ctx("yandexgpt/rc")).json
    assert body["messages"] == second["request"]["messages"]
    assert body["tools"] == second["request"]["tools"]
    assert body["modelUri"] == second["request"]["modelUri"]
    done = DIALECT.parse_chat(answer(second["response_stream"][0]), ChatRequest("yandexgpt/rc", []), ctx("x"))
    assert done.text.startswith("The result of doing SOMETHING")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_every_body_sent_parses_as_the_sdks_completion_request(mode: str, emu: Emulator) -> None:
    weather = Tool("w", "weather", {"type": "object", "properties": {"c": {"type": "string"}}})
    emu.script(Script(tool_calls=[ScriptedCall("w", {"c": "Oslo"})]))
    run(
        mode,
        "complete",
        "yandex/yandexgpt",
        "hi",
        tools=[weather],
        tool_choice="w",
        max_tokens=9,
        temperature=0.5,
        reasoning_mode="disabled",
        parallel_tool_calls=False,
        **yandex_options(emu),
    )
    history = [
        Message("system", "be brief"),
        Message("user", "w?"),
        Message("assistant", "checking", tool_calls=(ToolCall("call_0", "w", {"c": "Oslo"}),)),
        Message("tool", "sunny", tool_call_id="call_0"),
    ]
    bodies = [last_body(emu, "yandex")]
    emu.script(Script(text='{"ok": true}'))
    run(
        mode,
        "complete",
        "yandex/yandexgpt",
        history,
        tools=[weather],
        response_format={"type": "json_object"},
        **yandex_options(emu),
    )
    bodies.append(last_body(emu, "yandex"))
    run(mode, "stream", "yandex/yandexgpt", "hi", **yandex_options(emu))
    bodies.append(last_body(emu, "yandex"))
    for body in bodies:
        message = json_format.Parse(json.dumps(body), pb.CompletionRequest())  # strict: unknown fields raise
        if body["completionOptions"]["stream"] is False:  # proto3 JSON leaves a default out
            del body["completionOptions"]["stream"]
        assert json_format.MessageToDict(message) == body  # nothing lost or reinterpreted


def test_the_emulators_answers_parse_as_the_sdks_completion_response(emu: Emulator) -> None:
    import urllib.request

    emu.script(Script(text="one two three", chunk_chars=4), Script(tool_calls=[ScriptedCall("w", {"c": 1})]))
    for stream in (True, False):
        body = {
            "modelUri": "gpt://b1g0000/yandexgpt/latest",
            "completionOptions": {"stream": stream},
            "messages": [{"role": "user", "text": "hi"}],
        }
        request = urllib.request.Request(
            emu.base_url("yandex") + "/foundationModels/v1/completion",
            json.dumps(body).encode(),
            {"authorization": f"Api-Key {emu.api_key}", "content-type": "application/json"},
        )
        with urllib.request.urlopen(request) as resp:
            lines = [ln for ln in resp.read().splitlines() if ln.strip()]
        for line in lines:
            result = json.loads(line)["result"]
            json_format.Parse(json.dumps(result), pb.CompletionResponse())
