"""The generate formats held against references nobody here wrote:

* TGI's published OpenAPI document (tests/fixtures/natives/tgi_openapi.json): the bodies llmkit
  sends and the emulator's answers (whole, every stream event, errors) validate with jsonschema;
* huggingface_hub's ``InferenceClient.text_generation`` and LoRAX's ``lorax-client`` (SDK ->
  emulator: their pydantic/dataclass types parse its answers), and LoRAX's ``Request`` model
  parsing what llmkit sends (llmkit -> a handler that reads with the SDK's types);
* the example request, response and error of Triton's ``extension_generate.md``, decoded by the
  dialect and accepted by the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from _natives_helpers import last_body, options, run, sent

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import BadRequestError
from llmkit.framing.sse import SSEDecoder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "natives"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema (``anyOf`` the type and null)."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "example", "default")}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out


DOC = _nullable(json.loads((FIXTURES / "tgi_openapi.json").read_text()))


def validate(instance: Any, schema: str) -> None:
    jsonschema.validate(instance, {"$ref": f"#/components/schemas/{schema}", "components": DOC["components"]})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llmkit_requests_and_emulator_answers_follow_tgis_openapi(mode: str, emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    emu.script(Script(json={"n": 1}))
    kw = options(emu, "tgi_generate")
    run(mode, "complete", "tgi_generate/m", "hi", max_tokens=9, top_p=0.9, response_format=schema, **kw)
    validate(last_body(emu, "tgi_generate"), "GenerateRequest")
    run(mode, "stream", "tgi_generate/m", "hi", temperature=0.3, stop=["x"], **kw)
    validate(last_body(emu, "tgi_generate"), "GenerateRequest")
    # The emulator's answers, read raw.
    url = emu.base_url("tgi_generate")
    body = {"inputs": "hi", "parameters": {"details": True, "decoder_input_details": True}}
    whole = httpx2.post(url + "/generate", json=body).json()
    validate(whole, "GenerateResponse")
    assert whole["details"]["prefill"]
    events = SSEDecoder().feed(httpx2.post(url + "/generate_stream", json=body).content)
    for ev in events:
        validate(json.loads(ev.data), "StreamResponse")
    assert json.loads(events[-1].data)["details"]["finish_reason"] == "eos_token"
    error = httpx2.post(url + "/generate", json={"inputs": "x", "parameters": {"nope": 1}})
    assert error.status_code == 422
    validate(error.json(), "ErrorResponse")


def test_huggingface_hub_reads_the_emulator(emu: Emulator) -> None:
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import ValidationError

    emu.script(Script(text="one two three", input_tokens=4), Script(text="a b c", input_tokens=2))
    client = InferenceClient(base_url=emu.base_url("tgi_generate"))
    out = client.text_generation("hi", details=True, max_new_tokens=5, decoder_input_details=True)
    assert out.generated_text == "one two three" and out.details is not None
    assert (out.details.finish_reason, out.details.generated_tokens, len(out.details.prefill)) == (
        "eos_token",
        4,
        4,
    )
    stream = list(client.text_generation("hi", details=True, stream=True))
    assert "".join(s.token.text for s in stream if not s.token.special) == "a b c"
    assert stream[-1].details is not None and stream[-1].details.input_length == 2
    emu.script(Script(error=ScriptedError(422, "Input validation error")))
    with pytest.raises(ValidationError):  # the SDK reads our error_type as TGI's "validation"
        client.text_generation("hi")


def test_lorax_client_reads_the_emulator_and_parses_what_llmkit_sends(emu: Emulator) -> None:
    lorax = pytest.importorskip("lorax")
    from lorax.types import Request

    emu.script(Script(text="tuned answer", input_tokens=3), Script(text="x y"))
    client = lorax.Client(emu.base_url("lorax"))
    r = client.generate("hi", max_new_tokens=5, adapter_id="me/a/1", adapter_source="hub", details=True)
    assert r.generated_text == "tuned answer" and r.details is not None and r.details.prompt_tokens == 3
    last = list(client.generate_stream("hi", details=True))[-1]
    assert last.details is not None and last.generated_text == "x y"
    # llmkit -> LoRAX's own request model (pydantic, extra fields forbidden or ignored alike).
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    emu.script(Script(json={"n": 2}))
    llmkit.complete("lorax/base", "hi", adapter_id="me/a/1", adapter_source="s3", max_tokens=7, seed=3,
                    response_format=schema, **options(emu, "lorax"))  # fmt: skip
    parsed = Request(**last_body(emu, "lorax"))
    assert parsed.parameters is not None
    p = parsed.parameters
    assert (p.adapter_id, p.adapter_source, p.max_new_tokens, p.seed, p.details) == (
        "me/a/1",
        "s3",
        7,
        3,
        True,
    )
    assert p.response_format is not None and p.response_format.schema_spec == schema


def test_tritons_documented_example(emu: Emulator) -> None:
    doc = json.loads((FIXTURES / "triton_generate.json").read_text())
    # The emulator takes the documented request and answers in the documented shape.
    url = emu.base_url("triton") + "/v2/models/mymodel/generate"
    answer = httpx2.post(url, json=doc["request"]).json()
    assert set(answer) == set(doc["response"]) and answer["model_name"] == "mymodel"
    # The dialect decodes the documented response and error.
    from llmkit.dialects.base import CallContext, ChatRequest
    from llmkit.dialects.generate.triton import DIALECT
    from llmkit.providers import get_spec
    from llmkit.types import Message
    from llmkit.wire import HttpResponse

    ctx = CallContext(get_spec("triton"), "mymodel", "http://localhost:8000")
    req = ChatRequest("mymodel", [Message("user", "client input")], temperature=0)
    built = DIALECT.build_chat(req, ctx)
    assert built.url == "http://localhost:8000/v2/models/mymodel/generate"
    assert built.json == {"text_input": "client input", "parameters": {"stream": False, "temperature": 0}}
    assert built.json == doc["request"]
    c = DIALECT.parse_chat(HttpResponse(200, {}, json.dumps(doc["response"]).encode()), req, ctx)
    assert (c.text, c.model) == ("model output", "mymodel")
    err = DIALECT.parse_error(HttpResponse(400, {}, json.dumps(doc["error"]).encode()), ctx)
    assert isinstance(err, BadRequestError) and "error message" in str(err)
    assert sent(emu, "triton")[-1].path == "/v2/models/mymodel/generate"


def _openapi30(node: Any) -> Any:
    """LoRAX's document also writes OpenAPI 3.0's boolean ``exclusiveMinimum``/``Maximum`` (a flag on
    ``minimum``/``maximum``); JSON Schema wants the bound itself, so the pair is folded into one."""
    if isinstance(node, list):
        return [_openapi30(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi30(v) for k, v in node.items()}
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # (pop drops a False flag too; a True one takes the bound's value)
        if isinstance(out.get(flag), bool) and out.pop(flag) and bound in out:
            out[flag] = out.pop(bound)
    return out


LORAX = _openapi30(_nullable(json.loads((FIXTURES / "lorax_openapi.json").read_text())))


def lorax_validate(instance: Any, schema: str) -> None:
    jsonschema.validate(
        instance, {"$ref": f"#/components/schemas/{schema}", "components": LORAX["components"]}
    )


@pytest.mark.parametrize("provider", ["lorax", "predibase"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llmkit_requests_and_emulator_answers_follow_loraxs_openapi(
    mode: str, provider: str, emu: Emulator
) -> None:
    """The reference that runs without lorax-client (which pins huggingface-hub<1 and certifi, so it
    cannot share the test venv): LoRAX's published OpenAPI document, as for TGI above."""
    kw = options(emu, provider)
    adapter = {"adapter_id": "me/a/1", "adapter_source": "hub"}
    run(mode, "complete", f"{provider}/base", "hi", max_tokens=9, top_p=0.9, seed=3, **adapter, **kw)
    lorax_validate(last_body(emu, provider), "GenerateRequest")
    assert last_body(emu, provider)["parameters"]["adapter_id"] == "me/a/1"
    run(mode, "stream", f"{provider}/base", "hi", temperature=0.3, stop=["x"], **kw)
    lorax_validate(last_body(emu, provider), "GenerateRequest")
    url = emu.base_url("lorax")
    body = {"inputs": "hi", "parameters": {"details": True, "adapter_id": "me/a/1"}}
    lorax_validate(httpx2.post(url + "/generate", json=body).json(), "GenerateResponse")
    events = SSEDecoder().feed(httpx2.post(url + "/generate_stream", json=body).content)
    assert events
    for ev in events:
        lorax_validate(json.loads(ev.data), "StreamResponse")
    error = httpx2.post(url + "/generate", json={"inputs": "x", "parameters": {"nope": 1}})
    assert error.status_code == 422
    lorax_validate(error.json(), "ErrorResponse")
    with pytest.raises(jsonschema.ValidationError):  # the bounds are read, not ignored
        lorax_validate({"inputs": "x", "parameters": {"top_p": 1.5}}, "GenerateRequest")
