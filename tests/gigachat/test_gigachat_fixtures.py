"""The GigaChat SDK's live VCR cassettes (tests/fixtures/gigachat/, each with its .source.md),
decoded with llmkit's own code: the OAuth reply (expires_at in milliseconds), a chat answer, a
stream (``"object": "chat.completion"`` chunks, usage in the last, then [DONE]), the
``{status, message}`` error and embeddings with per-item usage; and llmkit's requests for the
same inputs hold the same bodies as the SDK's recorded ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmkit.auth.gigachat import GigaChatAuth, parse_token_reply
from llmkit.dialects import get_dialect
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.errors import NotFoundError
from llmkit.providers import get_spec
from llmkit.types import FinishReason, Message, ResponseFormat, TextDelta, UsageUpdate
from llmkit.wire import HttpResponse

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "gigachat"
BASE = "https://gigachat.devices.sberbank.ru/api/v1"


def _cassette(name: str) -> list[dict[str, Any]]:
    interactions: list[dict[str, Any]] = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))[
        "interactions"
    ]
    return interactions


def _response(interaction: dict[str, Any]) -> HttpResponse:
    r = interaction["response"]
    headers = {k.lower(): v[0] for k, v in r["headers"].items()}
    return HttpResponse(r["status"]["code"], headers, r["body"]["string"].encode())


def _ctx(model: str) -> CallContext:
    return CallContext(get_spec("gigachat"), model, BASE)


DIALECT = get_dialect("gigachat")


def test_every_fixture_names_its_source() -> None:
    for path in HERE.iterdir():
        if not path.name.endswith(".source.md"):
            assert (HERE / (path.name + ".source.md")).exists(), path.name


@pytest.mark.parametrize("name", ["test_chat_simple.yaml", "test_stream_simple.yaml"])
def test_the_oauth_reply_expires_at_is_milliseconds(name: str) -> None:
    oauth, _ = _cassette(name)
    assert oauth["request"]["uri"] == "https://ngw.devices.sberbank.ru:9443/api/v2/oauth"
    token, expires = parse_token_reply(_response(oauth), now=1768996170.0)
    assert token == "REDACTED"
    assert expires == 1768996170.0 + 86400  # 4102444800 s (the year 2100), capped at a day
    # llmkit's exchange is the SDK's: the same URL, form, RqUID and content type.
    request = GigaChatAuth("a2V5", "GIGACHAT_API_PERS", oauth["request"]["uri"], None).token_request()
    recorded = {k.lower(): v[0] for k, v in oauth["request"]["headers"].items()}
    assert request.url == oauth["request"]["uri"]
    assert request.headers["content-type"] == recorded["content-type"]
    assert len(request.headers["rquid"]) == len(recorded["rquid"]) == 36
    assert request.body is not None and request.body.decode().startswith("scope=")


def test_a_recorded_chat_answer_decodes() -> None:
    _, chat = _cassette("test_chat_simple.yaml")
    req = ChatRequest("GigaChat", [Message("user", "Say 'Hello' and nothing else")])
    built = DIALECT.build_chat(req, _ctx("GigaChat"))
    assert built.url == chat["request"]["uri"]
    assert built.json == json.loads(chat["request"]["body"])
    done = DIALECT.parse_chat(_response(chat), req, _ctx("GigaChat"))
    assert done.text == "Hello."
    assert done.model == "GigaChat:2.0.28.2"
    assert done.finish_reason == FinishReason.STOP
    u = done.usage
    assert (u.input_tokens, u.output_tokens, u.total_tokens, u.cached_input_tokens) == (17, 3, 20, 2)


def test_a_recorded_stream_decodes_in_any_cut() -> None:
    _, chat = _cassette("test_stream_simple.yaml")
    req = ChatRequest("GigaChat", [Message("user", "Count from 1 to 3")], stream=True)
    built = DIALECT.build_chat(req, _ctx("GigaChat"))
    assert built.json == json.loads(chat["request"]["body"])
    assert built.headers["accept"] == "text/event-stream"
    raw = chat["response"]["body"]["string"].encode()
    for size in (7, 64, len(raw)):
        decoder = DIALECT.stream_decoder(req, _ctx("GigaChat"))
        events = [e for i in range(0, len(raw), size) for e in decoder.feed(raw[i : i + size])]
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        assert text.startswith("$1\\, 2\\, 3$") and text.endswith("числом три.")
        (usage,) = [e.usage for e in events if isinstance(e, UsageUpdate)]
        assert (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) == (17, 42, 2)
        assert decoder.done and decoder.response_model == "GigaChat:2.0.28.2"


def test_the_recorded_error_is_typed_with_its_message() -> None:
    _, chat = _cassette("test_chat_model_not_found.yaml")
    err = DIALECT.parse_error(_response(chat), _ctx("NonExistentModel"))
    assert isinstance(err, NotFoundError)
    assert "No such model" in str(err)
    assert err.request_id == "ea602be2-54b3-46a2-a288-420c9fee7292"


def test_recorded_embeddings_decode_with_summed_usage() -> None:
    _, emb = _cassette("test_embeddings_multiple.yaml")
    req = EmbedRequest("Embeddings", ["First text", "Second text"])
    built = DIALECT.build_embed(req, _ctx("Embeddings"))
    assert built.url == emb["request"]["uri"]
    assert json.loads(built.body or b"") == json.loads(emb["request"]["body"])
    out = DIALECT.parse_embed(_response(emb), req, _ctx("Embeddings"))
    body = json.loads(emb["response"]["body"]["string"])
    assert [len(v) for v in out.vectors] == [len(d["embedding"]) for d in body["data"]]
    assert out.vectors[1][:2] == body["data"][1]["embedding"][:2]
    assert out.usage.input_tokens == sum(d["usage"]["prompt_tokens"] for d in body["data"])


def test_the_sdks_function_call_example_decodes_as_a_tool_call() -> None:
    raw = (HERE / "chat_completion_function.json").read_bytes()
    req = ChatRequest("GigaChat-funcs", [Message("user", "weather?")])
    done = DIALECT.parse_chat(HttpResponse(200, {}, raw), req, _ctx("GigaChat-funcs"))
    (call,) = done.tool_calls
    assert (call.name, call.arguments) == ("fc", {"location": "Москва", "num_days": 0})
    assert done.finish_reason == FinishReason.TOOL_CALLS and done.raw_finish_reason == "function_call"


def test_a_recorded_json_schema_answer_and_its_request() -> None:
    _, chat = _cassette("test_chat_response_format_json_schema.yaml")
    recorded = json.loads(chat["request"]["body"])
    schema = recorded["response_format"]["schema"]
    req = ChatRequest(
        "GigaChat-3-Ultra",
        [Message("user", recorded["messages"][0]["content"])],
        response_format=ResponseFormat("json_schema", schema, "answer", True),
    )
    assert DIALECT.build_chat(req, _ctx("GigaChat-3-Ultra")).json == recorded
    done = DIALECT.parse_chat(_response(chat), req, _ctx("GigaChat-3-Ultra"))
    assert json.loads(done.text) == {"answer": "ok", "n": 3}


def test_a_functions_state_id_becomes_the_call_id_and_goes_back() -> None:
    body = json.loads((HERE / "chat_completion_function.json").read_bytes())
    body["choices"][0]["message"]["functions_state_id"] = "77d3fb14-457a-46ba-937e-8d856156d003"
    req = ChatRequest("GigaChat", [Message("user", "weather?")])
    done = DIALECT.parse_chat(HttpResponse(200, {}, json.dumps(body).encode()), req, _ctx("GigaChat"))
    (call,) = done.tool_calls
    assert call.id == "gcs_77d3fb14-457a-46ba-937e-8d856156d003"
    history = [Message("user", "weather?"), done.message, Message("tool", '{"t": 1}', tool_call_id=call.id)]
    sent = DIALECT.build_chat(ChatRequest("GigaChat", history), _ctx("GigaChat")).json["messages"]
    assert sent[1]["functions_state_id"] == "77d3fb14-457a-46ba-937e-8d856156d003"
    assert sent[2] == {"role": "function", "name": "fc", "content": '{"t": 1}'}
