"""Worker side of ``formats.py``: one client speaking one wire format, built as plain callables.

Four clients per format: ``llmkit`` (a reused ``Client``/``AsyncClient``), ``raw`` (one pooled
``httpx2.Client`` for sync, one ``aiohttp.ClientSession`` for async, ``json.loads`` of each body or
event, and for AWS a stdlib SigV4 signature per request and CRC-checked event-stream frames: what a
careful hand-written client does, the limit), ``sdk`` (the vendor's official SDK) and
``litellm``. Only the standard library is imported at module level (asyncio neither: the
first-use measure checks whether a sync call imports it); each client imports its library when
built, so any venv can run this file.

Each builder returns ``(call, stream)`` for sync or ``(acall, astream, aclose)`` for async: ``call()``
returns the completion text, ``stream(n, sink)`` reads one stream of ``n`` content events, hands
each text piece to ``sink`` (a ``Tally``) and returns the count.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

MODEL = "bench-model"
ENDPOINT = "bench-endpoint"
API_KEY = "sk-bench"
PROJECT, LOCATION = "bench-project", "us-central1"
AWS_REGION = "us-east-1"
AWS_KEY, AWS_SECRET = "AKIDBENCHMARK", "bench/secret/not-a-real-one"
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "hi"}]
COMPLETION_TEXT = "Hello from the benchmark mock."
FORMATS = ["openai", "anthropic", "gemini", "vertex", "bedrock", "sagemaker", "cohere", "ollama"]
SDK_NAME = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google-genai",
    "vertex": "google-genai",
    "bedrock": "boto3",
    "sagemaker": "boto3",
    "cohere": "cohere",
    "ollama": "ollama",
}
# Environment every worker gets: AWS credentials that point nowhere real.
WORKER_ENV = {
    "AWS_ACCESS_KEY_ID": AWS_KEY,
    "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
    "AWS_REGION": AWS_REGION,
    "AWS_DEFAULT_REGION": AWS_REGION,
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
    "GOOGLE_CLOUD_PROJECT": PROJECT,
    "GOOGLE_CLOUD_LOCATION": LOCATION,
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}


class Tally:
    """Where text pieces go: counted (chars), not kept, so memory measures the client, not us."""

    __slots__ = ("chars",)

    def __init__(self) -> None:
        self.chars = 0

    def append(self, piece: str) -> None:
        self.chars += len(piece)


Sink = Tally
SyncPair = tuple[Callable[[], str], Callable[[int, Sink], int]]
AsyncTriple = tuple[
    Callable[[], Awaitable[str]], Callable[[int, Sink], Awaitable[int]], Callable[[], Awaitable[None]]
]


# ---- raw: request shapes, SigV4, framing -------------------------------------------------------------


@dataclass(frozen=True)
class RawRequest:
    url: str
    body: bytes
    headers: dict[str, str]


def _sigv4(service: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    """AWS Signature Version 4 headers for one POST (standard library; what botocore computes)."""
    scheme_host, _, path = url.partition("//")[2].partition("/")
    host = scheme_host
    now = datetime.datetime.now(datetime.UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload_hash = hashlib.sha256(body).hexdigest()
    canon = {"host": host, "x-amz-date": amz_date, "content-type": headers["content-type"]}
    names = ";".join(sorted(canon))
    canonical = "\n".join(
        [
            "POST",
            "/" + path.replace(":", "%3A"),
            "",
            "".join(f"{k}:{canon[k]}\n" for k in sorted(canon)),
            names,
            payload_hash,
        ]
    )
    scope = f"{day}/{AWS_REGION}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + AWS_SECRET).encode()
    for part in (day, AWS_REGION, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={AWS_KEY}/{scope}, SignedHeaders={names}, Signature={sig}"
    return {**headers, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash, "authorization": auth}


def raw_request(fmt: str, base: str, stream: bool, n: int) -> RawRequest:
    """The request a hand-written client sends (URL, JSON body bytes, headers); AWS ones unsigned."""
    msgs: list[dict[str, Any]] = list(MESSAGES)
    body: dict[str, Any]
    headers = {"content-type": "application/json"}
    if fmt == "openai":
        url, body = base + "/v1/chat/completions", {"model": MODEL, "messages": msgs}
        headers["authorization"] = f"Bearer {API_KEY}"
        if stream:
            body.update(stream=True, max_tokens=n)
    elif fmt == "anthropic":
        url, body = base + "/v1/messages", {"model": MODEL, "max_tokens": n or 64, "messages": msgs}
        headers.update({"x-api-key": API_KEY, "anthropic-version": "2023-06-01"})
        if stream:
            body["stream"] = True
    elif fmt in ("gemini", "vertex"):
        root = (
            base + "/v1beta"
            if fmt == "gemini"
            else f"{base}/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/google"
        )
        url = f"{root}/models/{MODEL}:" + ("streamGenerateContent?alt=sse" if stream else "generateContent")
        body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        if stream:
            body["generationConfig"] = {"maxOutputTokens": n}
        if fmt == "gemini":
            headers["x-goog-api-key"] = API_KEY
        else:
            headers["authorization"] = "Bearer bench-token"
    elif fmt == "bedrock":
        url = f"{base}/model/{MODEL}/" + ("converse-stream" if stream else "converse")
        body = {"messages": [{"role": "user", "content": [{"text": "hi"}]}]}
        if stream:
            body["inferenceConfig"] = {"maxTokens": n}
    elif fmt == "sagemaker":
        url = f"{base}/endpoints/{ENDPOINT}/" + ("invocations-response-stream" if stream else "invocations")
        body = {"messages": msgs}
        if stream:
            body.update(stream=True, max_tokens=n)
    elif fmt == "cohere":
        url, body = base + "/v2/chat", {"model": MODEL, "messages": msgs}
        headers["authorization"] = f"Bearer {API_KEY}"
        if stream:
            body.update(stream=True, max_tokens=n)
    elif fmt == "ollama":
        url, body = base + "/api/chat", {"model": MODEL, "messages": msgs, "stream": stream}
        if stream:
            body["options"] = {"num_predict": n}
    else:
        raise ValueError(f"unknown format {fmt}")
    return RawRequest(url, json.dumps(body).encode(), headers)


def signed_headers(fmt: str, req: RawRequest) -> dict[str, str]:
    if fmt == "bedrock":
        return _sigv4("bedrock", req.url, req.body, req.headers)
    if fmt == "sagemaker":
        return _sigv4("sagemaker", req.url, req.body, req.headers)
    return req.headers


def call_text(fmt: str, obj: Any) -> str:
    if fmt in ("openai", "sagemaker"):
        return str(obj["choices"][0]["message"]["content"])
    if fmt == "anthropic":
        return str(obj["content"][0]["text"])
    if fmt in ("gemini", "vertex"):
        return str(obj["candidates"][0]["content"]["parts"][0]["text"])
    if fmt == "bedrock":
        return str(obj["output"]["message"]["content"][0]["text"])
    if fmt == "cohere":
        return str(obj["message"]["content"][0]["text"])
    return str(obj["message"]["content"])  # ollama


def event_text(fmt: str, obj: Any) -> str | None:
    """The text one decoded stream event carries (None for events without text)."""
    if fmt in ("openai", "sagemaker"):
        choices = obj.get("choices")
        return choices[0].get("delta", {}).get("content") if choices else None
    if fmt == "anthropic":
        return obj["delta"].get("text") if obj.get("type") == "content_block_delta" else None
    if fmt in ("gemini", "vertex"):
        parts = obj["candidates"][0]["content"].get("parts") or ()
        return parts[0].get("text") if parts else None
    if fmt == "cohere":
        return obj["delta"]["message"]["content"].get("text") if obj.get("type") == "content-delta" else None
    if fmt == "bedrock":
        return obj.get("delta", {}).get("text")
    return None if obj.get("done") else obj["message"]["content"]  # ollama


class EventStreamReader:
    """AWS event-stream frames out of arbitrary byte chunks, both CRCs checked (as botocore does)."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> Iterator[tuple[str, bytes]]:
        buf = self.buf
        buf += data
        while len(buf) >= 12:
            total, hlen, pcrc = struct.unpack_from(">III", buf)
            if len(buf) < total:
                return
            frame = bytes(buf[:total])
            del buf[:total]
            if (
                zlib.crc32(frame[:8]) != pcrc
                or zlib.crc32(frame[:-4]) != struct.unpack_from(">I", frame, total - 4)[0]
            ):
                raise ValueError("event-stream CRC mismatch")
            event_type = ""
            pos, end = 12, 12 + hlen
            while pos < end:
                nlen = frame[pos]
                name = frame[pos + 1 : pos + 1 + nlen]
                pos += 1 + nlen
                if frame[pos] != 7:
                    raise ValueError("unexpected header type")
                (vlen,) = struct.unpack_from(">H", frame, pos + 1)
                value = frame[pos + 3 : pos + 3 + vlen]
                pos += 3 + vlen
                if name == b":event-type":
                    event_type = value.decode()
            yield event_type, frame[end : total - 4]


class SseLines:
    """Lines out of byte chunks (for SSE carried inside SageMaker's PayloadPart frames)."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        lines = (self.buf + data).split(b"\n")
        self.buf = lines.pop()
        return lines


def _count_sse_line(fmt: str, line: bytes | str, sink: Sink) -> int:
    if isinstance(line, str):
        line = line.encode()
    if not line.startswith(b"data:"):
        return 0
    payload = line[5:].strip()
    if payload == b"[DONE]":
        return 0
    text = event_text(fmt, json.loads(payload))
    if text:
        sink.append(text)
        return 1
    return 0


class _RawStreamState:
    """Turns byte chunks of one stream into counted text pieces, per framing."""

    def __init__(self, fmt: str, sink: Sink) -> None:
        self.fmt, self.sink, self.count = fmt, sink, 0
        self.frames = EventStreamReader() if fmt in ("bedrock", "sagemaker") else None
        self.inner = SseLines()

    def bytes_chunk(self, data: bytes) -> None:
        assert self.frames is not None
        for event_type, payload in self.frames.feed(data):
            if self.fmt == "bedrock":
                if event_type == "contentBlockDelta":
                    text = event_text("bedrock", json.loads(payload))
                    if text:
                        self.sink.append(text)
                        self.count += 1
            elif event_type == "PayloadPart":
                for line in self.inner.feed(payload):
                    self.count += _count_sse_line(self.fmt, line, self.sink)

    def line(self, line: bytes | str) -> None:
        if self.fmt == "ollama":
            if line.strip():
                text = event_text("ollama", json.loads(line))
                if text:
                    self.sink.append(text)
                    self.count += 1
        else:
            self.count += _count_sse_line(self.fmt, line, self.sink)


def raw_sync(fmt: str, base: str) -> SyncPair:
    import httpx2

    # A long timeout like the SDKs': on a loaded machine the mock can stall past httpx2's 5 s.
    hc = httpx2.Client(timeout=120.0)
    call_req = raw_request(fmt, base, False, 0)

    def call() -> str:
        r = hc.post(call_req.url, content=call_req.body, headers=signed_headers(fmt, call_req))
        if r.status_code != 200:
            raise RuntimeError(f"status {r.status_code}")
        return call_text(fmt, json.loads(r.content))

    def stream(n: int, sink: Sink) -> int:
        req = raw_request(fmt, base, True, n)
        state = _RawStreamState(fmt, sink)
        with hc.stream("POST", req.url, content=req.body, headers=signed_headers(fmt, req)) as r:
            if r.status_code != 200:
                raise RuntimeError(f"status {r.status_code}")
            if state.frames is not None:
                for data in r.iter_bytes():
                    state.bytes_chunk(data)
            else:
                for line in r.iter_lines():
                    state.line(line)
        return state.count

    return call, stream


def raw_async(fmt: str, base: str) -> AsyncTriple:
    import aiohttp

    holder: dict[str, Any] = {}
    call_req = raw_request(fmt, base, False, 0)

    def session() -> Any:
        s = holder.get("s")
        if s is None:
            s = holder["s"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000))
        return s

    async def acall() -> str:
        async with session().post(
            call_req.url, data=call_req.body, headers=signed_headers(fmt, call_req)
        ) as r:
            data = await r.read()
            if r.status != 200:
                raise RuntimeError(f"status {r.status}")
        return call_text(fmt, json.loads(data))

    async def astream(n: int, sink: Sink) -> int:
        req = raw_request(fmt, base, True, n)
        state = _RawStreamState(fmt, sink)
        async with session().post(req.url, data=req.body, headers=signed_headers(fmt, req)) as r:
            if r.status != 200:
                raise RuntimeError(f"status {r.status}")
            if state.frames is not None:
                async for data in r.content.iter_any():
                    state.bytes_chunk(data)
            else:
                async for line in r.content:
                    state.line(line)
        return state.count

    async def aclose() -> None:
        s = holder.get("s")
        if s is not None:
            await s.close()

    return acall, astream, aclose


# ---- llmkit ------------------------------------------------------------------------------------------


def llmkit_target(fmt: str, base: str) -> tuple[str, dict[str, Any]]:
    """llmkit's model string and per-call keywords for one format against the mock at ``base``."""
    if fmt == "openai":
        return "openai/" + MODEL, {"api_key": API_KEY, "base_url": base + "/v1"}
    if fmt == "anthropic":
        return "anthropic/" + MODEL, {"api_key": API_KEY, "base_url": base}
    if fmt == "gemini":
        return "gemini/" + MODEL, {"api_key": API_KEY, "base_url": base + "/v1beta"}
    if fmt == "vertex":
        root = f"{base}/v1/projects/{PROJECT}/locations/{LOCATION}"
        return "vertex_ai/" + MODEL, {"base_url": root, "access_token": "bench-token"}
    if fmt == "bedrock":
        return "bedrock/" + MODEL, {"base_url": base}
    if fmt == "sagemaker":
        return "sagemaker/" + ENDPOINT, {"base_url": base}
    if fmt == "cohere":
        return "cohere/" + MODEL, {"api_key": API_KEY, "base_url": base}
    if fmt == "ollama":
        return "ollama_chat/" + MODEL, {"base_url": base}
    raise ValueError(fmt)


def _llmkit_text_delta() -> type:
    import llmkit

    cls = getattr(llmkit, "TextDelta", None)
    if cls is None:
        import llmkit.types as types_mod

        cls = types_mod.TextDelta
    assert isinstance(cls, type)
    return cls


def llmkit_sync(fmt: str, base: str) -> SyncPair:
    import llmkit

    model, kw = llmkit_target(fmt, base)
    text_delta = _llmkit_text_delta()
    kc = llmkit.Client(max_retries=0)

    def call() -> str:
        return str(kc.complete(model, MESSAGES, max_tokens=64, **kw).text)

    def stream(n: int, sink: Sink) -> int:
        count = 0
        with kc.stream(model, MESSAGES, max_tokens=n, **kw) as s:
            for ev in s:
                if isinstance(ev, text_delta) and ev.text:
                    sink.append(ev.text)
                    count += 1
        return count

    return call, stream


def llmkit_async(fmt: str, base: str) -> AsyncTriple:
    import llmkit

    model, kw = llmkit_target(fmt, base)
    text_delta = _llmkit_text_delta()
    kc = llmkit.AsyncClient(max_retries=0)

    async def acall() -> str:
        comp = await kc.complete(model, MESSAGES, max_tokens=64, **kw)
        return str(comp.text)

    async def astream(n: int, sink: Sink) -> int:
        count = 0
        async with kc.stream(model, MESSAGES, max_tokens=n, **kw) as s:
            async for ev in s:
                if isinstance(ev, text_delta) and ev.text:
                    sink.append(ev.text)
                    count += 1
        return count

    return acall, astream, kc.aclose
