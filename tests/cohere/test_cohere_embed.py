"""Cohere v2 embed through the public API over loopback, sync and async: input types mapped
(query -> search_query), the required input_type defaulted, every embedding type decoded,
dimensions and truncate, images as data URIs, batching past 96 texts (order kept, usage
summed), refusals before sending, errors and drifted bodies."""

from __future__ import annotations

import asyncio
import base64
import struct
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import ConfigurationError, RateLimitError, ResponseDecodeError

MODEL = "cohere/embed-v4.0"


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("cohere"), "max_retries": 0, **extra}


def test_embed_sync_defaults(emu: Emulator) -> None:
    out = llmkit.embed(MODEL, ["hello", "world"], **kw(emu))
    body = emu.requests[-1].json()
    assert emu.requests[-1].path == "/v2/embed"
    assert body == {
        "model": "embed-v4.0",
        "input_type": "search_document",
        "texts": ["hello", "world"],
        "embedding_types": ["float"],
    }
    assert len(out.vectors) == 2 and all(type(x) is float for x in out.vectors[0])
    assert out.usage.input_tokens == 2


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("query", "search_query"),
        ("document", "search_document"),
        ("classification", "classification"),
        ("clustering", "clustering"),
    ],
)
def test_input_types(emu: Emulator, given: str, wire: str) -> None:
    llmkit.embed(MODEL, "x", input_type=given, **kw(emu))
    assert emu.requests[-1].json()["input_type"] == wire


def test_unsupported_input_type_refused_before_sending(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="similarity"):
        llmkit.embed(MODEL, "x", input_type="similarity", **kw(emu))
    assert emu.requests == []


@pytest.mark.parametrize("encoding", ["int8", "uint8", "binary", "ubinary"])
def test_quantised_encodings_stay_integers(emu: Emulator, encoding: str) -> None:
    out = llmkit.embed(MODEL, ["a", "b"], encoding=encoding, **kw(emu))
    assert emu.requests[-1].json()["embedding_types"] == [encoding]
    assert all(type(x) is int for v in out.vectors for x in v)


def test_base64_decodes_to_floats(emu: Emulator) -> None:
    out = llmkit.embed(MODEL, ["a"], encoding="base64", **kw(emu))
    plain = llmkit.embed(MODEL, ["a"], **kw(emu))
    assert out.vectors[0] == pytest.approx(plain.vectors[0], abs=1e-6)


def test_recorded_style_base64_is_read(emu: Emulator) -> None:
    vec = [0.5, -0.25, 1.0]
    b64 = base64.b64encode(struct.pack("<3f", *vec)).decode()
    emu.script(
        Script(
            extra={
                "body": {
                    "id": "x",
                    "embeddings": {"base64": [b64]},
                    "meta": {"billed_units": {"input_tokens": 1.0}},
                }
            }
        )
    )
    out = llmkit.embed(MODEL, ["a"], encoding="base64", **kw(emu))
    assert out.vectors == [vec] and out.usage.input_tokens == 1


def test_dimensions_and_truncate(emu: Emulator) -> None:
    out = llmkit.embed(MODEL, "x", dimensions=256, truncate="START", **kw(emu))
    body = emu.requests[-1].json()
    assert body["output_dimension"] == 256 and body["truncate"] == "START" and len(out.vectors[0]) == 256


def test_images_as_data_uris(emu: Emulator) -> None:
    uri = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()
    out = llmkit.embed(MODEL, [uri], **kw(emu))
    body = emu.requests[-1].json()
    assert body["images"] == [uri] and body["input_type"] == "image" and "texts" not in body
    assert len(out.vectors) == 1


def test_batches_past_96_keep_order_and_sum_usage(emu: Emulator) -> None:
    texts = [f"text number {i}" for i in range(200)]
    out = llmkit.embed(MODEL, texts, **kw(emu))
    sizes = [len(r.json()["texts"]) for r in emu.requests]
    assert sizes == [96, 96, 8]
    single = llmkit.embed(MODEL, [texts[150]], **kw(emu))
    assert out.vectors[150] == single.vectors[0]
    assert out.usage.input_tokens == sum(len(t.split()) for t in texts)


def test_async(emu: Emulator) -> None:
    out = asyncio.run(llmkit.aembed(MODEL, ["a", "b", "c"], input_type="query", **kw(emu)))
    assert len(out.vectors) == 3


def test_rate_limit(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "trial key limit", headers={"retry-after": "0"})))
    with pytest.raises(RateLimitError, match="trial key limit"):
        llmkit.embed(MODEL, "x", **kw(emu))


@pytest.mark.parametrize(
    "body",
    [
        {"embeddings": {"int8": [[1]]}},
        {"embeddings": {"float": [[0.1], [0.2]]}},
        {"embeddings": {"float": [["x"]]}},
        {"embeddings": {"float": [[0.1]]}, "meta": {"billed_units": {"input_tokens": -3}}},
    ],
)
def test_drifted_bodies(emu: Emulator, body: Any) -> None:
    emu.script(Script(extra={"body": body}))
    with pytest.raises(ResponseDecodeError):
        llmkit.embed(MODEL, "x", **kw(emu))


def test_an_option_of_another_endpoint_is_refused_before_sending(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match=r"max_tokens_per_doc= is not an embed option"):
        llmkit.embed(MODEL, "x", max_tokens_per_doc=5, **kw(emu))
    with pytest.raises(ConfigurationError, match=r"truncate= is not a chat option"):
        llmkit.complete("cohere/command-a-03-2025", "x", truncate="END", **kw(emu))
    with pytest.raises(ConfigurationError, match=r"citation_options= is not a rerank option"):
        llmkit.rerank("cohere/rerank-v3.5", "q", ["a"], citation_options={"mode": "OFF"}, **kw(emu))
    assert emu.requests == []
