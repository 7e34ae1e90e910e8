"""Whatever a provider sends back, only an LLMKitError escapes a call (a property test, then named cases).

Recorded fixtures (tests/fixtures/*) are mutated (any subtree replaced by null, a string, a
number, a list, a dict or JSON nested 100,000 deep; bodies truncated or garbled) and served by a
hostile loopback server, for every dialect, for completions, streams, error responses, embeddings
and token counts, sync and async. A call either succeeds with well-typed values or raises an
LLMKitError; never a KeyError, TypeError, RecursionError, ... and a 4xx/5xx is always a
ProviderError.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmkit import AsyncClient, Client
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.errors import ConfigurationError, LLMKitError, ProviderError, ServerError
from llmkit.framing.eventstream_encode import encode_event
from llmkit.types import Completion, Embeddings, ReasoningPart, TextPart, TokenCount, Usage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = int(os.environ.get("LLMKIT_FUZZ_EXAMPLES", "40"))
KEY = "sk-fuzz-not-a-real-key-0000"
DEEP_DEPTH = 100_000
DEEP = "\x00deep\x00"  # stands for [[[[...]]]] nested DEEP_DEPTH deep, spliced in after dumping


# ---------------------------------------------------------------- the hostile server


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class Hostile:
    """Answers every request with the next queued Reply, then closes the connection."""

    replies: deque[Reply] = field(default_factory=deque)
    hits: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, reply: Reply) -> None:
        self.replies.clear()
        self.replies.append(reply)


def _handler(state: Hostile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            state.hits += 1
            reply = state.replies.popleft() if state.replies else Reply(599, b"no reply queued")
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
            self.close_connection = True

        do_GET = do_POST

    return Handler


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    state = Hostile()
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.server.daemon_threads = True
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    with pytest.MonkeyPatch.context() as mp:
        # Fake AWS credentials for Bedrock and SageMaker; no real configuration is read.
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        mp.setenv("AWS_REGION", "us-east-1")
        yield state
    state.server.shutdown()
    state.server.server_close()


@pytest.fixture(scope="module")
def clients(hostile: Hostile) -> Iterator[tuple[Client, AsyncClient, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    sync = Client(max_retries=0)
    aclient = loop.run_until_complete(_make_async())
    yield sync, aclient, loop
    sync.close()
    loop.run_until_complete(aclient.aclose())
    loop.close()


async def _make_async() -> AsyncClient:
    return AsyncClient(max_retries=0)


# ---------------------------------------------------------------- fixtures per dialect


def _load(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text())


def _sse_events(rel: str) -> list[Any]:
    """The JSON data of each SSE event ([DONE] and non-JSON data kept as strings)."""
    out: list[Any] = []
    for block in (FIXTURES / rel).read_text().replace("\r\n", "\n").split("\n\n"):
        data = [
            line.partition(":")[2].removeprefix(" ")
            for line in block.splitlines()
            if line.startswith("data:")
        ]
        event = [line.partition(":")[2].strip() for line in block.splitlines() if line.startswith("event:")]
        if data:
            text = "\n".join(data)
            try:
                out.append((event[0] if event else None, json.loads(text)))
            except ValueError:
                out.append((event[0] if event else None, text))
    return out


def _dump(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    deep = "[" * DEEP_DEPTH + "]" * DEEP_DEPTH
    return text.replace(json.dumps(DEEP), deep)


def _sse_body(events: list[tuple[str | None, Any]]) -> bytes:
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        out.append(f"{head}data: {data if isinstance(data, str) else _dump(data)}\n\n")
    return "".join(out).encode()


def _bedrock_stream(events: list[tuple[str | None, Any]]) -> bytes:
    return b"".join(
        encode_event(name or "x", (data if isinstance(data, str) else _dump(data)).encode())
        for name, data in events
    )


def _sagemaker_stream(events: list[tuple[str | None, Any]]) -> bytes:
    sse = _sse_body(events)
    half = len(sse) // 2  # two parts: a line split across frames too
    return b"".join(
        encode_event("PayloadPart", part, content_type="application/octet-stream")
        for part in (sse[:half], sse[half:])
    )


@dataclass(frozen=True)
class Dialect:
    model: str
    chat: list[Any]
    stream: list[list[tuple[str | None, Any]]]
    errors: list[Any]
    stream_body: Callable[[list[tuple[str | None, Any]]], bytes] = _sse_body
    stream_type: str = "text/event-stream"
    options: tuple[tuple[str, Any], ...] = ()


def _bedrock_events() -> list[tuple[str | None, Any]]:
    return [(e["event"], e["payload"]) for e in _load("bedrock/converse_stream_tool_use.json")["events"]]


def _tgi_lines() -> list[str]:
    text = (FIXTURES / "sagemaker/tgi_generate_stream.txt").read_text()
    return [line for line in text.splitlines() if line.startswith("data:")]


def _gemini_stream(rel: str) -> list[tuple[str | None, Any]]:
    return [(None, chunk) for chunk in _load(rel)]


DIALECTS: dict[str, Dialect] = {
    "openai": Dialect(
        "openai/gpt-4o-mini",
        [_load(f"openai/{n}.json") for n in ("chat_completion", "chat_completion_tool_call")]
        + [_load("xai/chat_tool_call_recorded.json"), _load("perplexity/chat_docs_schema.json")],
        [
            _sse_events("openai/chat_completion_stream.sse"),
            _sse_events("xai/chat_stream_reasoning_recorded.sse"),
        ],
        [_load("xai/error_bad_key_400.json"), _load("volcengine/error_404_model_not_found.json")],
    ),
    "anthropic": Dialect(
        "anthropic/claude-sonnet-4-5",
        [_load(f"anthropic/message_{n}.json") for n in ("cached", "thinking", "tool_use")],
        [
            _sse_events(f"anthropic/{n}.sse")
            for n in (
                "stream_basic",
                "stream_tool_use",
                "docs_stream_thinking",
                "stream_error",
                "stream_refusal",
            )
        ],
        [_load(f"anthropic/error_{n}.json") for n in ("not_found", "overloaded", "prompt_too_long")],
    ),
    "gemini": Dialect(
        "gemini/gemini-2.0-flash",
        [_load(f"gemini/cookbook_{n}.json") for n in ("function_call", "text_usage", "cached_content")],
        [
            _sse_events("gemini/vertex_stream_signature.sse"),
            _gemini_stream("vertex/gemini_stream_function_call.json"),
        ],
        [_load("gemini/error_api_key_invalid.json")],
    ),
    "bedrock": Dialect(
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        [_load("bedrock/converse_tool_use.json")["response"]],
        [_bedrock_events()],
        [_load(f"bedrock/error_{n}.json")["body"] for n in ("throttling", "validation")],
        _bedrock_stream,
        "application/vnd.amazon.eventstream",
    ),
    "sagemaker": Dialect(
        "sagemaker/my-llm-endpoint",
        [_load("openai/chat_completion.json")],
        [_sse_events("sagemaker/messages_stream.sse")],
        [_load("sagemaker/model_error_eula.json")["body"]],
        _sagemaker_stream,
        "application/vnd.amazon.eventstream",
    ),
    "sagemaker_tgi": Dialect(
        "sagemaker/my-tgi-endpoint",
        [_load("sagemaker/tgi_generate.json")["response"]],
        [[(None, json.loads(line.partition(":")[2])) for line in _tgi_lines()]],
        [_load("sagemaker/model_error_eula.json")["body"]],
        _sagemaker_stream,
        "application/vnd.amazon.eventstream",
        (("sagemaker_format", "tgi"),),
    ),
}


# ---------------------------------------------------------------- mutations


def _leaf() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([-1, 0, 1, 12]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["12", "", "null", "[DONE]", "sk-fuzz-not-a-real-key-0000"]),
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(st.sampled_from(["type", "text", "index", "id", "name", "x"]), scalars, max_size=3),
        st.just(DEEP),
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: _replace(v, rest, value) if k == head else v for k, v in node.items()}
    return [_replace(v, rest, value) if i == head else v for i, v in enumerate(node)]


@st.composite
def mutated(draw: st.DrawFn, tree: Any) -> Any:
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        tree = _replace(tree, path, draw(_leaf()))
    return tree


def _garble(body: bytes, draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["truncate", "garbage", "empty", "deep", "not-utf8"]))
    if how == "truncate":
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if how == "garbage":
        return draw(st.binary(max_size=40))
    if how == "empty":
        return b""
    if how == "deep":
        return b"[" * DEEP_DEPTH + b"]" * DEEP_DEPTH
    return b"\xff\xfe" + body[:20]


@st.composite
def chat_body(draw: st.DrawFn, d: Dialect) -> bytes:
    tree = draw(st.sampled_from(d.chat))
    if draw(st.integers(0, 9)) == 0:
        return _garble(json.dumps(tree).encode(), draw)
    return _dump(draw(mutated(tree))).encode()


@st.composite
def stream_body(draw: st.DrawFn, d: Dialect) -> bytes:
    events = list(draw(st.sampled_from(d.stream)))
    i = draw(st.integers(0, len(events) - 1))
    name, data = events[i]
    how = draw(st.sampled_from(["mutate", "mutate", "mutate", "garbage", "deep", "drop_tail"]))
    if how == "mutate":
        events[i] = (name, draw(mutated(data)))
    elif how == "garbage":
        events[i] = (name, draw(st.text(max_size=20)).replace("\n", " ") or "{")
    elif how == "deep":
        events[i] = (name, "[" * DEEP_DEPTH + "]" * DEEP_DEPTH)
    else:
        events = events[:i]
    return d.stream_body(events)


@st.composite
def error_reply(draw: st.DrawFn, d: Dialect) -> Reply:
    status = draw(st.sampled_from([400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 529]))
    tree = draw(st.sampled_from(d.errors))
    if draw(st.booleans()):
        body = _garble(json.dumps(tree).encode(), draw)
        return Reply(status, body, draw(st.sampled_from(["application/json", "text/html"])))
    return Reply(status, _dump(draw(mutated(tree))).encode())


# ---------------------------------------------------------------- checks


def _check_usage(u: Usage) -> None:
    for v in (u.input_tokens, u.output_tokens, u.total_tokens, u.cached_input_tokens, u.reasoning_tokens):
        assert type(v) is int and v >= 0, u


def _check_completion(c: Completion) -> None:
    assert isinstance(c, Completion)
    assert type(c.text) is str
    _check_usage(c.usage)
    if not isinstance(c.message.content, str):
        for p in c.message.content:
            if isinstance(p, (TextPart, ReasoningPart)):
                assert type(p.text) is str
    for call in c.tool_calls:
        assert type(call.name) is str and type(call.id) is str


def _only_llmkit_errors(call: Callable[[], Any]) -> BaseException | None:
    try:
        result = call()
    except LLMKitError as exc:
        # The request went out: a ConfigurationError here would mean the property was never tested.
        assert not isinstance(exc, ConfigurationError), repr(exc)
        assert KEY not in str(exc)
        # No bare exception kept behind it: a JSONDecodeError's .doc is the whole unredacted body.
        for linked in (exc.__cause__, exc.__context__):
            assert linked is None or isinstance(linked, LLMKitError), repr(linked)
        return exc
    if isinstance(result, Completion):
        _check_completion(result)
    elif isinstance(result, Embeddings):
        _check_usage(result.usage)
        assert all(isinstance(x, float) for v in result.vectors for x in v)
    elif isinstance(result, TokenCount):
        assert type(result.input_tokens) is int and result.input_tokens >= 0
    return None


Clients = tuple[Client, AsyncClient, asyncio.AbstractEventLoop]


def _kwargs(hostile: Hostile, model: str) -> dict[str, Any]:
    kw: dict[str, Any] = {"base_url": hostile.url}
    if not model.startswith(("bedrock/", "sagemaker/")):
        kw["api_key"] = KEY  # the AWS dialects sign with the fake credentials in the environment
    kw.update(next((d.options for d in DIALECTS.values() if d.model == model), ()))
    return kw


def _complete(mode: str, clients: Clients, hostile: Hostile, model: str) -> Callable[[], Any]:
    sync, aclient, loop = clients
    kw = _kwargs(hostile, model)
    if mode == "sync":
        return lambda: sync.complete(model, "hi", **kw)
    return lambda: loop.run_until_complete(aclient.complete(model, "hi", **kw))


def _stream(mode: str, clients: Clients, hostile: Hostile, model: str) -> Callable[[], Any]:
    sync, aclient, loop = clients
    kw = _kwargs(hostile, model)

    def run_sync() -> Completion:
        with sync.stream(model, "hi", **kw) as s:
            for _ in s:
                pass
            return s.completion

    async def run_async() -> Completion:
        s = aclient.stream(model, "hi", **kw)
        async with s:
            async for _ in s:
                pass
        return s.completion

    if mode == "sync":
        return run_sync
    return lambda: loop.run_until_complete(run_async())


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(DIALECTS))
@FUZZ
@given(data=st.data())
def test_mutated_completions(
    name: str, mode: str, hostile: Hostile, clients: Clients, data: st.DataObject
) -> None:
    d = DIALECTS[name]
    hostile.serve(Reply(200, data.draw(chat_body(d))))
    _only_llmkit_errors(_complete(mode, clients, hostile, d.model))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(DIALECTS))
@FUZZ
@given(data=st.data())
def test_mutated_streams(
    name: str, mode: str, hostile: Hostile, clients: Clients, data: st.DataObject
) -> None:
    d = DIALECTS[name]
    hostile.serve(Reply(200, data.draw(stream_body(d)), d.stream_type))
    _only_llmkit_errors(_stream(mode, clients, hostile, d.model))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(DIALECTS))
@FUZZ
@given(data=st.data())
def test_mutated_error_bodies(
    name: str, mode: str, hostile: Hostile, clients: Clients, data: st.DataObject
) -> None:
    d = DIALECTS[name]
    reply = data.draw(error_reply(d))
    hostile.serve(reply)
    exc = _only_llmkit_errors(_complete(mode, clients, hostile, d.model))
    assert isinstance(exc, ProviderError), exc
    try:
        json.loads(reply.body)
    except (ValueError, RecursionError):
        # Nothing in the body to classify by: the status decides.
        if reply.status >= 500 and reply.status != 529:
            assert isinstance(exc, ServerError), exc


OTHER_CALLS: list[tuple[str, str, Any]] = [
    ("embed", "openai/text-embedding-3-small", _load("openai/embeddings.json")),
    (
        "embed",
        "gemini/gemini-embedding-001",
        {"embeddings": [{"values": [0.1, -0.2]}, {"values": [0.3, 0.4]}]},
    ),
    ("embed", "bedrock/amazon.titan-embed-text-v2:0", _load("bedrock/titan_embed_text_v2.json")["response"]),
    ("embed", "bedrock/cohere.embed-english-v3", _load("bedrock/cohere_embed_v3.json")["response"]),
    ("count_tokens", "anthropic/claude-sonnet-4-5", _load("anthropic/docs_count_tokens.json")),
    ("count_tokens", "gemini/gemini-2.0-flash", {"totalTokens": 12, "cachedContentTokenCount": 0}),
]


def _args_for(kind: str, model: str) -> tuple[Any, ...]:
    if kind == "count_tokens":
        return (model, "hi")
    return (model, "a" if "titan" in model else ["a", "b"])  # Titan embeds one text per request


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("kind", "model", "tree"), OTHER_CALLS, ids=[f"{k} {m}" for k, m, _ in OTHER_CALLS])
@FUZZ
@given(data=st.data())
def test_mutated_embeddings_and_counts(
    kind: str, model: str, tree: Any, mode: str, hostile: Hostile, clients: Clients, data: st.DataObject
) -> None:
    sync, aclient, loop = clients
    kw = _kwargs(hostile, model)
    args: tuple[Any, ...] = _args_for(kind, model)
    call: Callable[[], Any]
    if mode == "sync":
        call = lambda: getattr(sync, kind)(*args, **kw)  # noqa: E731
    else:
        call = lambda: loop.run_until_complete(getattr(aclient, kind)(*args, **kw))  # noqa: E731
    hostile.serve(Reply(200, _dump(data.draw(mutated(tree))).encode()))
    _only_llmkit_errors(call)


# ---------------------------------------------------------------- named cases


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(DIALECTS))
def test_unmutated_fixtures_decode(name: str, mode: str, hostile: Hostile, clients: Clients) -> None:
    """The baseline the mutations start from: every fixture served as recorded decodes cleanly."""
    d = DIALECTS[name]
    for tree in d.chat:
        hostile.serve(Reply(200, _dump(tree).encode()))
        _check_completion(_complete(mode, clients, hostile, d.model)())
    for events in d.stream:
        hostile.serve(Reply(200, d.stream_body(events), d.stream_type))
        if any(name == "error" for name, _ in events):  # a recorded in-stream error: typed, with partial
            exc = _raised(_stream(mode, clients, hostile, d.model))
            assert isinstance(exc, ProviderError) and exc.partial is not None
            continue
        _check_completion(_stream(mode, clients, hostile, d.model)())


@pytest.mark.parametrize(("kind", "model", "tree"), OTHER_CALLS, ids=[f"{k} {m}" for k, m, _ in OTHER_CALLS])
def test_unmutated_other_calls_decode(
    kind: str, model: str, tree: Any, hostile: Hostile, clients: Clients
) -> None:
    hostile.serve(Reply(200, _dump(tree).encode()))
    args = _args_for(kind, model)
    assert _only_llmkit_errors(lambda: getattr(clients[0], kind)(*args, **_kwargs(hostile, model))) is None


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    return _replace(tree, path, value)


def _raised(call: Callable[[], Any]) -> LLMKitError:
    exc = _only_llmkit_errors(call)
    assert exc is not None, "expected a typed error"
    return exc


OA = _load("openai/chat_completion.json")
OA_TOOL = _load("openai/chat_completion_tool_call.json")
AN = _load("anthropic/message_tool_use.json")
GE = _load("gemini/cookbook_text_usage.json")
BE = _load("bedrock/converse_tool_use.json")["response"]

DRIFT: list[tuple[str, str, Any]] = [
    ("choices [null]", "openai", _set(OA, ("choices",), [None])),
    ("choices {}", "openai", _set(OA, ("choices",), {})),
    ("message a string", "openai", _set(OA, ("choices", 0, "message"), "str")),
    ("content an int", "openai", _set(OA, ("choices", 0, "message", "content"), 42)),
    ("content a non-empty dict", "openai", _set(OA, ("choices", 0, "message", "content"), {"text": "hi"})),
    ("usage a list of one", "openai", _set(OA, ("usage",), [1])),
    ("prompt_tokens a string", "openai", _set(OA, ("usage", "prompt_tokens"), "12")),
    ("prompt_tokens negative", "openai", _set(OA, ("usage", "prompt_tokens"), -1)),
    ("prompt_tokens a float", "openai", _set(OA, ("usage", "prompt_tokens"), 1.5)),
    ("tool_calls {}", "openai", _set(OA_TOOL, ("choices", 0, "message", "tool_calls"), {})),
    ("function null", "openai", _set(OA_TOOL, ("choices", 0, "message", "tool_calls", 0, "function"), None)),
    (
        "tool name an int",
        "openai",
        _set(OA_TOOL, ("choices", 0, "message", "tool_calls", 0, "function", "name"), 5),
    ),
    ("finish_reason an int", "openai", _set(OA, ("choices", 0, "finish_reason"), 7)),
    ("model an int", "openai", _set(OA, ("model",), 7)),
    ("content [null]", "anthropic", _set(AN, ("content",), [None])),
    ("text an int", "anthropic", _set(AN, ("content", 0, "text"), 42)),
    ("text null", "anthropic", _set(AN, ("content", 0, "text"), None)),
    ("usage tokens a string", "anthropic", {**AN, "usage": {"input_tokens": "12", "output_tokens": 1}}),
    ("candidates [1]", "gemini", _set(GE, ("candidates",), [1])),
    ("parts [null]", "gemini", _set(GE, ("candidates", 0, "content", "parts"), [None])),
    ("part text an int", "gemini", _set(GE, ("candidates", 0, "content", "parts", 0, "text"), 42)),
    ("promptTokenCount negative", "gemini", _set(GE, ("usageMetadata", "promptTokenCount"), -3)),
    ("output null", "bedrock", _set(BE, ("output",), None)),
    ("content [null]", "bedrock", _set(BE, ("output", "message", "content"), [None])),
    ("text an int", "bedrock", _set(BE, ("output", "message", "content"), [{"text": 42}])),
    ("deep JSON", "openai", DEEP),
    ("deep JSON", "anthropic", DEEP),
    ("deep JSON", "gemini", DEEP),
    ("deep JSON", "bedrock", DEEP),
    ("deep JSON", "sagemaker", DEEP),
    ("deep inside", "openai", _set(OA, ("choices", 0, "message", "content"), DEEP)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("case", "name", "tree"), DRIFT, ids=[f"{n}: {c}" for c, n, _ in DRIFT])
def test_shape_drift_is_a_decode_error(
    case: str, name: str, tree: Any, mode: str, hostile: Hostile, clients: Clients
) -> None:
    hostile.serve(Reply(200, _dump(tree).encode()))
    exc = _raised(_complete(mode, clients, hostile, DIALECTS[name].model))
    assert type(exc).__name__ == "ResponseDecodeError", repr(exc)
    assert exc.provider == name  # type: ignore[attr-defined]
    assert len(str(exc)) < 1000  # a snippet, not the body


SENSIBLE: list[tuple[str, str, Any]] = [
    ("usage null", "openai", _set(OA, ("usage",), None)),
    ("usage []", "openai", _set(OA, ("usage",), [])),
    ("prompt_tokens null", "openai", _set(OA, ("usage", "prompt_tokens"), None)),
    ("content null", "openai", _set(OA, ("choices", 0, "message", "content"), None)),
    ("usage null", "anthropic", _set(AN, ("usage",), None)),
    ("output_tokens null", "anthropic", {**AN, "usage": {"input_tokens": 3, "output_tokens": None}}),
    ("usageMetadata null", "gemini", _set(GE, ("usageMetadata",), None)),
    ("promptTokenCount null", "gemini", _set(GE, ("usageMetadata", "promptTokenCount"), None)),
    (
        "promptTokenCount as proto3 int64 string",
        "gemini",
        _set(GE, ("usageMetadata", "promptTokenCount"), "12"),
    ),
    ("usage null", "bedrock", {**BE, "usage": None}),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("case", "name", "tree"), SENSIBLE, ids=[f"{n}: {c}" for c, n, _ in SENSIBLE])
def test_drift_with_a_sensible_reading_is_read(
    case: str, name: str, tree: Any, mode: str, hostile: Hostile, clients: Clients
) -> None:
    hostile.serve(Reply(200, _dump(tree).encode()))
    c = _complete(mode, clients, hostile, DIALECTS[name].model)()
    _check_completion(c)
    if "promptTokenCount as" in case:
        assert c.usage.input_tokens == 12


def _openai_stream(*chunks: Any) -> bytes:
    return _sse_body([(None, c) for c in chunks] + [(None, "[DONE]")])


def _chunk(delta: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None, **extra}],
    }


STREAM_DRIFT: list[tuple[str, str, bytes]] = [
    (
        "tool call index a string",
        "openai",
        _openai_stream(_chunk({"tool_calls": [{"index": "0", "function": {"name": "f"}}]})),
    ),
    (
        "tool call index null",
        "openai",
        _openai_stream(_chunk({"tool_calls": [{"index": None, "function": {"name": "f"}}]})),
    ),
    (
        "tool call function a string",
        "openai",
        _openai_stream(_chunk({"tool_calls": [{"index": 0, "function": "f"}]})),
    ),
    ("delta content an int", "openai", _openai_stream(_chunk({"content": 42}))),
    ("choices [null]", "openai", _openai_stream({"choices": [None]})),
    (
        "usage tokens a string",
        "openai",
        _openai_stream(_chunk({"content": "hi"}), {"choices": [], "usage": {"prompt_tokens": "9"}}),
    ),
    ("deep event", "openai", _openai_stream(_chunk({"content": "hi"}), DEEP)),
    ("event not JSON", "openai", _sse_body([(None, _chunk({"content": "hi"})), (None, "{nope")])),
    (
        "text delta an int",
        "bedrock",
        _bedrock_stream(
            [
                ("messageStart", {"role": "assistant"}),
                ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": 42}}),
            ]
        ),
    ),
    ("candidates [1]", "gemini", _sse_body([(None, {"candidates": [1]})])),
    (
        "part text an int",
        "gemini",
        _sse_body([(None, {"candidates": [{"content": {"parts": [{"text": 42}]}}]})]),
    ),
    (
        "token text an int",
        "sagemaker_tgi",
        _sagemaker_stream([(None, {"index": 1, "token": {"id": 1, "text": 42, "special": False}})]),
    ),
    (
        "content_block_start a list",
        "anthropic",
        _sse_body(
            [
                (
                    "message_start",
                    {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 1}}},
                ),
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ["x"]},
                    },
                ),
            ]
        ),
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("case", "name", "body"), STREAM_DRIFT, ids=[f"{n}: {c}" for c, n, _ in STREAM_DRIFT]
)
def test_stream_drift_is_a_decode_error(
    case: str, name: str, body: bytes, mode: str, hostile: Hostile, clients: Clients
) -> None:
    d = DIALECTS[name]
    hostile.serve(Reply(200, body, d.stream_type))
    exc = _raised(_stream(mode, clients, hostile, d.model))
    assert type(exc).__name__ == "ResponseDecodeError", repr(exc)
    assert exc.provider == name.split("_")[0]  # type: ignore[attr-defined]


def _corrupted(frame: bytes) -> bytes:
    bad = bytearray(frame)
    bad[-6] ^= 0xFF  # a payload byte: the message CRC no longer matches
    return bytes(bad)


_OCTETS = "application/octet-stream"
_GOOD_DELTA = encode_event("contentBlockDelta", b'{"contentBlockIndex":0,"delta":{"text":"hi"}}')
FRAMING_AFTER_EVENTS: list[tuple[str, bytes]] = [
    # A bad frame right after a good one: the decoder hands back "hi" first and reports the
    # framing error after it, from where it used to come without the provider's name.
    ("bedrock", _GOOD_DELTA + _corrupted(_GOOD_DELTA)),
    (
        "sagemaker",
        encode_event("PayloadPart", _sse_body([(None, _chunk({"content": "hi"}))]), content_type=_OCTETS)
        + _corrupted(encode_event("PayloadPart", b"data: {}\n\n", content_type=_OCTETS)),
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "body"), FRAMING_AFTER_EVENTS, ids=[n for n, _ in FRAMING_AFTER_EVENTS])
def test_stream_framing_error_names_the_provider(
    name: str, body: bytes, mode: str, hostile: Hostile, clients: Clients
) -> None:
    d = DIALECTS[name]
    hostile.serve(Reply(200, body, d.stream_type))
    exc = _raised(_stream(mode, clients, hostile, d.model))
    assert type(exc).__name__ == "EventStreamDecodeError", repr(exc)
    assert exc.provider == name  # type: ignore[attr-defined]
    assert str(exc).startswith(f"[{name}] AWS event stream: message checksum mismatch")
    assert exc.partial.text == "hi"  # type: ignore[attr-defined]
    assert exc.__context__ is None or isinstance(exc.__context__, LLMKitError)


ERRORS: list[tuple[str, str, int, bytes, str]] = [
    ("deep body 500", "openai", 500, b"[" * DEEP_DEPTH + b"]" * DEEP_DEPTH, "ServerError"),
    ("deep body 400", "anthropic", 400, b"[" * DEEP_DEPTH + b"]" * DEEP_DEPTH, "BadRequestError"),
    ("deep body 503", "gemini", 503, b"{" + b'"a":[' * 50_000 + b"]" * 50_000 + b"}", "ServerError"),
    ("deep body 429", "bedrock", 429, b"[" * DEEP_DEPTH + b"]" * DEEP_DEPTH, "RateLimitError"),
    ("malformed 500", "openai", 500, b'{"error": {"message": ', "ServerError"),
    ("malformed 500", "bedrock", 500, b"\xff\xfe<html>", "ServerError"),
    ("details an int", "gemini", 503, b'{"error": {"code": 503, "details": 5}}', "ServerError"),
    ("error a list", "anthropic", 500, b'{"error": [1, 2]}', "ServerError"),
    ("html 502", "sagemaker", 502, b"<html>Bad gateway</html>", "ServerError"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("case", "name", "status", "body", "cls"), ERRORS, ids=[f"{n}: {c}" for c, n, *_ in ERRORS]
)
def test_error_bodies_that_defeat_the_parser_keep_the_status_class(
    case: str, name: str, status: int, body: bytes, cls: str, mode: str, hostile: Hostile, clients: Clients
) -> None:
    hostile.serve(Reply(status, body))
    exc = _raised(_complete(mode, clients, hostile, DIALECTS[name].model))
    assert isinstance(exc, ProviderError)
    assert cls in [c.__name__ for c in type(exc).__mro__], repr(exc)
    assert exc.status_code == status


def test_secrets_in_a_bad_body_stay_out_of_the_error(hostile: Hostile, clients: Clients) -> None:
    # The key (registered, as every key llmkit resolves) is echoed in a body the parser cannot read.
    body = (
        b'{"choices": [{"message": "'
        + KEY.encode()
        + b'"}], "deep": '
        + b"[" * DEEP_DEPTH
        + b"]" * DEEP_DEPTH
        + b"}"
    )
    for reply in (Reply(200, body), Reply(200, body[:60]), Reply(500, body[:60])):
        hostile.serve(reply)
        exc = _raised(_complete("sync", clients, hostile, DIALECTS["openai"].model))
        assert KEY not in str(exc) and KEY not in repr(exc.__dict__)
        assert exc.__context__ is None and exc.__cause__ is None
