"""Model names are one path segment, and the sync and async clients put the same bytes on the wire.

A raw socket server on 127.0.0.1 records the request line exactly as it arrives, so neither
transport's own URL handling (httpx2 on the sync side, yarl ``URL(encoded=True)`` on the async
side) can hide a re-quoting or un-quoting difference.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import _transport_servers as ts
import pytest

import llmkit
from llmkit.errors import ConfigurationError, LLMKitError

HOSTILE_MODELS = [
    "a/b",
    "../../admin",
    "a?x=1",
    "a#frag",
    "a%2Fb",
    "a%",
    "a b",
    "a\r\nX-Injected: 1",
    "caf\u00e9-\u6a21\u578b",
    "a;b=c",
    "a@b:c",
    "...",
    "~user",
    "a+b&c=d",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5",
]


def _record_and_refuse(server: Any, sock: socket.socket, f: Any) -> None:
    if server.read(f) is not None:
        body = b'{"error": {"message": "recorded", "type": "invalid_request_error"}}'
        ts.respond(sock, 400, body, {"Connection": "close"})


class RawServer(ts.Server):  # type: ignore[misc]
    """Records each request line as it arrived, answers 400 with a JSON error and closes."""

    def __init__(self) -> None:
        super().__init__(_record_and_refuse)

    @property
    def lines(self) -> list[bytes]:
        return [r.line.encode("latin-1") for r in self.requests]


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server


GOOGLE = {"access_token": "ya29.fake-token", "project": "my-project"}
AWS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "fake-secret", "region": "us-east-1"}
# provider, base path after the root, path prefix before the model, suffix after it, options.
FAMILIES: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("azure_openai", "/openai", "/openai/deployments/", "/chat/completions?api-version=2024-10-21", {}),
    ("gemini", "/v1beta", "/v1beta/models/", ":generateContent", {}),
    (
        "vertex_ai",
        "/v1/projects/my-project/locations/us-central1",
        "/publishers/google/models/",
        ":generateContent",
        GOOGLE,
    ),
    ("vertex_ai_anthropic", "/v1/p", "/v1/p/publishers/anthropic/models/", ":rawPredict", GOOGLE),
    ("vertex_ai_mistral", "/v1/p", "/v1/p/publishers/mistralai/models/", ":rawPredict", GOOGLE),
    ("bedrock", "", "/model/", "/converse", AWS),
    ("sagemaker", "", "/endpoints/", "/invocations", AWS),
]


def _expected(prefix: str, model: str, suffix: str, base: str) -> bytes:
    if not prefix.startswith(base or "/"):
        prefix = base + prefix
    return f"POST {prefix}{quote(model, safe='')}{suffix} HTTP/1.1".encode()


def _sync(raw: RawServer, provider: str, base: str, model: str, opts: dict[str, Any]) -> bytes:
    before = len(raw.lines)
    with llmkit.Client() as client, pytest.raises(LLMKitError) as info:
        client.complete(
            f"{provider}/{model}", "hi", api_key="k" * 12, base_url=f"http://127.0.0.1:{raw.port}{base}",
            max_retries=0, **opts,
        )  # fmt: skip
    assert not isinstance(info.value, ConfigurationError), info.value
    assert len(raw.lines) == before + 1
    return raw.lines[-1]


def _async(raw: RawServer, provider: str, base: str, model: str, opts: dict[str, Any]) -> bytes:
    before = len(raw.lines)

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(
                f"{provider}/{model}", "hi", api_key="k" * 12, base_url=f"http://127.0.0.1:{raw.port}{base}",
                max_retries=0, **opts,
            )  # fmt: skip

    with pytest.raises(LLMKitError) as info:
        asyncio.run(go())
    assert not isinstance(info.value, ConfigurationError), info.value
    assert len(raw.lines) == before + 1
    return raw.lines[-1]


@pytest.mark.parametrize("model", HOSTILE_MODELS)
@pytest.mark.parametrize(
    ("provider", "base", "prefix", "suffix", "opts"), FAMILIES, ids=[f[0] for f in FAMILIES]
)
def test_model_is_one_encoded_segment_sync_and_async_alike(
    raw: RawServer, provider: str, base: str, prefix: str, suffix: str, opts: dict[str, Any], model: str
) -> None:
    sync_line = _sync(raw, provider, base, model, opts)
    async_line = _async(raw, provider, base, model, opts)
    assert sync_line == async_line
    assert sync_line == _expected(prefix, model, suffix, base)
    path = sync_line.split(b" ")[1]
    assert path.isascii() and b"\r" not in path and b"#" not in path
    # The model added exactly one segment: nothing in it can end the segment or start a query.
    assert path.count(b"/") == _expected(prefix, "m", suffix, base).split(b" ")[1].count(b"/")
    if b"?" in path:
        assert path.count(b"?") == 1 and suffix.count("?") == 1


@pytest.mark.parametrize("model", ["", ".", ".."])
@pytest.mark.parametrize(
    "provider", ["azure_openai", "gemini", "vertex_ai_anthropic", "bedrock", "sagemaker"]
)
def test_dot_segment_model_names_are_refused(raw: RawServer, provider: str, model: str) -> None:
    opts = next(f[4] for f in FAMILIES if f[0] == provider)
    before = len(raw.lines)
    with pytest.raises(ConfigurationError, match="model"):
        llmkit.complete(
            f"{provider}/{model}", "hi", api_key="k" * 12, base_url=f"http://127.0.0.1:{raw.port}/x", **opts
        )
    assert len(raw.lines) == before


@pytest.mark.parametrize(
    "base", ["/a%2Fb/v1", "/%7euser/v1", "/~user/v1", "/x:y@z/v1", "/a!$&'()*+,;=b/v1", "/A%2f%C3%A9"]
)
def test_base_url_path_goes_out_as_given_sync_and_async(raw: RawServer, base: str) -> None:
    sync_line = _sync(raw, "openai", base, "gpt-4o-mini", {})
    async_line = _async(raw, "openai", base, "gpt-4o-mini", {})
    assert sync_line == async_line == f"POST {base}/chat/completions HTTP/1.1".encode()
