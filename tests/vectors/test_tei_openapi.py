"""TEI's published OpenAPI document (tests/fixtures/tei/openapi.json, copied from
huggingface/text-embeddings-inference) as the third party: llmkit's /embed and /rerank bodies,
and the emulator's answers and errors, validated against its schemas with jsonschema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.vectors._helpers import options

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import BadRequestError, RateLimitError

SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "tei" / "openapi.json").read_text())


def check(name: str, instance: Any) -> None:
    """Validate against ``#/components/schemas/<name>`` (OpenAPI 3.0: ``nullable`` read as null)."""
    schemas = json.loads(
        json.dumps(SPEC["components"]["schemas"]).replace('"nullable": true', '"x-nullable": true')
    )
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            if prop.pop("x-nullable", False) and "type" in prop:
                prop["type"] = [prop["type"], "null"]
    root = {"components": {"schemas": schemas}, "$ref": f"#/components/schemas/{name}"}
    jsonschema.validate(instance, root)


def test_embed_request_and_answer(emu: Emulator) -> None:
    llmkit.embed(
        "huggingface_tei/bge", ["a", "b"], input_type="document", normalize=True, truncate=True,
        truncation_direction="Right", dimensions=4, **options(emu, "huggingface_tei"),
    )  # fmt: skip
    req = emu.requests[0]
    check("EmbedRequest", req.json())
    answer = json.loads(emulator_answer(emu, req.json(), "/embed"))
    check("EmbedResponse", answer)


def test_rerank_request_and_answer(emu: Emulator) -> None:
    llmkit.rerank("huggingface_tei/x", "q", ["a q", "b"], return_documents=True, raw_scores=True,
                  truncate=False, **options(emu, "huggingface_tei"))  # fmt: skip
    body = emu.requests[0].json()
    check("RerankRequest", body)
    check("RerankResponse", json.loads(emulator_answer(emu, body, "/rerank")))


@pytest.mark.parametrize(("status", "cls"), [(413, BadRequestError), (429, RateLimitError)])
def test_error_bodies(emu: Emulator, status: int, cls: type[Exception]) -> None:
    emu.script(Script(error=ScriptedError(status, "Model is overloaded", type="Overloaded")))
    with pytest.raises(cls) as info:
        llmkit.embed("huggingface_tei/bge", "x", **options(emu, "huggingface_tei"))
    assert info.value.error_type == "Overloaded"  # type: ignore[attr-defined]
    check("ErrorResponse", info.value.body)  # type: ignore[attr-defined]
    texts = [str(i) for i in range(33)]
    too_many = emulator_answer(emu, {"inputs": texts}, "/embed", status=413)
    check("ErrorResponse", json.loads(too_many))


def emulator_answer(emu: Emulator, body: Any, path: str, status: int = 200) -> bytes:
    """The emulator's answer to ``body`` at ``path``, sent straight to it (no proxy: loopback)."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(emu.base_url("huggingface_tei") + path)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.request("POST", url.path, json.dumps(body), {"content-type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == status
        return resp.read()
    finally:
        conn.close()
