"""Voyage, Jina, TEI and the hosted feature-extraction route through ``embed`` over loopback,
sync and async: bodies as each vendor documents them, input_type mapping, dimensions and dtypes,
the errors (wrong key, 429, 5xx, malformed body) typed."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest
from tests.vectors._helpers import CANARY_KEY, bodies, options, run

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
CASES = [
    ("voyage", "voyage/voyage-3.5"),
    ("jina_ai", "jina_ai/jina-embeddings-v3"),
    ("huggingface_tei", "huggingface_tei/bge-small-en-v1.5"),
    ("hf_inference", "hf_inference/BAAI/bge-small-en-v1.5"),
]
PROVIDERS = pytest.mark.parametrize(("provider", "model"), CASES)


@MODES
@PROVIDERS
def test_single_and_list(emu: Emulator, mode: str, provider: str, model: str) -> None:
    one = run(mode, "embed", model, "hello world", **options(emu, provider))
    assert len(one.vectors) == 1 and one.provider == provider
    many = run(mode, "embed", model, ["a b", "c d e", "hello world"], **options(emu, provider))
    assert len(many.vectors) == 3
    assert many.vectors[2] == one.vectors[0]  # same text, same vector: order kept
    assert many.vectors[0] != many.vectors[1]
    assert all(isinstance(x, float) for v in many.vectors for x in v)


@MODES
@PROVIDERS
def test_wrong_key(emu: Emulator, mode: str, provider: str, model: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        run(mode, "embed", model, "x", **options(emu, provider, api_key="sk-wrong-key-000"))
    assert "sk-wrong-key-000" not in str(info.value) and CANARY_KEY not in str(info.value)


@MODES
@PROVIDERS
def test_429_and_5xx(emu: Emulator, mode: str, provider: str, model: str) -> None:
    emu.script(Script(error=ScriptedError(429, "slow down", headers={"retry-after": "0"})))
    with pytest.raises(RateLimitError, match="slow down"):
        run(mode, "embed", model, "x", **options(emu, provider))
    emu.script(Script(error=ScriptedError(503, "upstream down")))
    with pytest.raises(ServerError, match="upstream down"):
        run(mode, "embed", model, "x", **options(emu, provider))
    emu.script(Script(error=ScriptedError(500, "once")))
    out = run(mode, "embed", model, "x", **options(emu, provider, max_retries=1))
    assert len(out.vectors) == 1  # a 5xx is retried


@MODES
@PROVIDERS
def test_malformed_body(emu: Emulator, mode: str, provider: str, model: str) -> None:
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "embed", model, "x", **options(emu, provider))


@MODES
def test_voyage_input_type_dimension_dtype(emu: Emulator, mode: str) -> None:
    out = run(
        mode, "embed", "voyage/voyage-3.5", ["q"], dimensions=256, input_type="query",
        output_dtype="int8", truncation=False, **options(emu, "voyage"),
    )  # fmt: skip
    assert bodies(emu)[0] == {
        "model": "voyage-3.5", "input": ["q"], "input_type": "query", "truncation": False,
        "output_dimension": 256, "output_dtype": "int8",
    }  # fmt: skip
    assert len(out.vectors[0]) == 256 and all(x == int(x) and -128 <= x <= 127 for x in out.vectors[0])
    assert out.usage.input_tokens == 1


@MODES
def test_voyage_base64_binary(emu: Emulator, mode: str) -> None:
    out = run(
        mode, "embed", "voyage/voyage-3.5", "q", dimensions=512, output_dtype="ubinary",
        encoding_format="base64", **options(emu, "voyage"),
    )  # fmt: skip
    assert len(out.vectors[0]) == 64 and all(0 <= x <= 255 for x in out.vectors[0])
    raw = base64.b64decode(out.raw["data"][0]["embedding"])
    assert list(struct.unpack("<64B", raw)) == out.vectors[0]


@MODES
def test_voyage_multimodal_image_as_data_uri(emu: Emulator, mode: str) -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    out = run(mode, "embed", "voyage/voyage-multimodal-3", ["a cat", png], **options(emu, "voyage"))
    assert len(out.vectors) == 2
    req = emu.requests[0]
    assert req.path == "/v1/multimodalembeddings"
    assert req.json()["inputs"] == [
        {"content": [{"type": "text", "text": "a cat"}]},
        {"content": [{"type": "image_base64", "image_base64": png}]},
    ]


def test_voyage_refuses_bad_values(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="input_type"):
        llmkit.embed("voyage/voyage-3.5", "x", input_type="passage", **options(emu, "voyage"))
    with pytest.raises(ConfigurationError, match="output_dtype"):
        llmkit.embed("voyage/voyage-3.5", "x", output_dtype="int4", **options(emu, "voyage"))
    with pytest.raises(ConfigurationError, match="data:image"):
        llmkit.embed("voyage/voyage-multimodal-3", "data:text/plain,hi", **options(emu, "voyage"))
    assert emu.requests == []


@MODES
@pytest.mark.parametrize(
    ("given", "task"),
    [({"input_type": "query"}, "retrieval.query"), ({"input_type": "document"}, "retrieval.passage"),
     ({"task": "text-matching"}, "text-matching"), ({"input_type": "classification"}, "classification")],
)  # fmt: skip
def test_jina_task_from_input_type(emu: Emulator, mode: str, given: dict[str, Any], task: str) -> None:
    run(mode, "embed", "jina_ai/jina-embeddings-v3", "x", dimensions=64, **given, **options(emu, "jina_ai"))
    body = bodies(emu)[0]
    assert body["task"] == task and body["dimensions"] == 64 and body["embedding_type"] == "float"


@MODES
def test_jina_base64_and_binary(emu: Emulator, mode: str) -> None:
    plain = run(mode, "embed", "jina_ai/jina-embeddings-v3", "x", **options(emu, "jina_ai"))
    b64 = run(
        mode, "embed", "jina_ai/jina-embeddings-v3", "x", embedding_type="base64", **options(emu, "jina_ai")
    )
    assert b64.vectors[0] == pytest.approx(plain.vectors[0], abs=1e-6)  # float32 on the wire
    packed = run(
        mode, "embed", "jina_ai/jina-embeddings-v3", "x", embedding_type="ubinary", **options(emu, "jina_ai")
    )
    assert len(packed.vectors[0]) == 8


@MODES
def test_jina_clip_images_and_late_chunking(emu: Emulator, mode: str) -> None:
    data = base64.b64encode(b"\xff\xd8\xff\xe0jpeg").decode()
    run(
        mode, "embed", "jina_ai/jina-clip-v2", ["a dog", f"data:image/jpeg;base64,{data}"],
        late_chunking=True, **options(emu, "jina_ai"),
    )  # fmt: skip
    body = bodies(emu)[0]
    assert body["input"] == [{"text": "a dog"}, {"image": data}] and body["late_chunking"] is True


@MODES
def test_tei_fields_and_prompt_from_input_type(emu: Emulator, mode: str) -> None:
    out = run(
        mode, "embed", "huggingface_tei/bge", ["x", "y"], input_type="query", normalize=False,
        truncate=True, truncation_direction="Left", dimensions=8, **options(emu, "huggingface_tei"),
    )  # fmt: skip
    assert bodies(emu)[0] == {
        "inputs": ["x", "y"], "normalize": False, "truncate": True, "truncation_direction": "Left",
        "prompt_name": "query", "dimensions": 8,
    }  # fmt: skip
    assert [len(v) for v in out.vectors] == [8, 8] and out.usage.input_tokens == 2


def test_tei_needs_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUGGINGFACE_TEI_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="base_url"):
        llmkit.embed("huggingface_tei/bge", "x")


def test_tei_without_key_when_server_has_none(emu: Emulator) -> None:
    out = llmkit.embed("huggingface_tei/bge", "x", base_url=emu.base_url("huggingface_tei"))
    assert len(out.vectors) == 1 and "authorization" not in emu.requests[0].headers


@MODES
def test_hf_inference_path_and_model_checks(emu: Emulator, mode: str) -> None:
    run(
        mode,
        "embed",
        "hf_inference/intfloat/e5-small-v2",
        "x",
        normalize=True,
        **options(emu, "hf_inference"),
    )
    assert emu.requests[0].path == "/hf-inference/models/intfloat/e5-small-v2/pipeline/feature-extraction"
    for bad in ("a/b/c", "../x", "org/..", "a b", "a%2Fb"):
        with pytest.raises(ConfigurationError, match="repository id"):
            run(mode, "embed", f"hf_inference/{bad}", "x", **options(emu, "hf_inference"))
    out = run(
        mode, "embed", "hf_inference/intfloat/e5-small-v2", "x", dimensions=8, **options(emu, "hf_inference")
    )
    assert len(out.vectors[0]) == 8  # huggingface_hub sends dimensions= on this route too
