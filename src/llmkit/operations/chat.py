"""Chat: ``complete`` (one answer) and ``stream`` (events as they arrive), one set of parameters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit import _args as A
from llmkit import _guard
from llmkit._inputs import (
    check_tool_choice,
    parse_structured,
    to_messages,
    to_response_format,
    to_tool_choice,
    to_tools,
)
from llmkit._resolve import Resolved
from llmkit._stream import _StreamCore
from llmkit.dialects.base import ChatRequest
from llmkit.errors import RefusalError, StructuredOutputError
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, StreamOperation, finish, unsupported
from llmkit.operations.settings import Settings
from llmkit.types import Completion, Message
from llmkit.wire import HttpResponse

if TYPE_CHECKING:
    from llmkit.cache import CachePolicy

Messages = str | Sequence[Message | Mapping[str, Any]]


@dataclass(slots=True)
class ChatParams(Common):
    """Send a chat completion and wait for the whole answer.

    ``model`` is ``"provider/model-name"``; ``messages`` a string (one user message) or a list
    of ``Message`` objects or ``{"role": ..., "content": ...}`` dicts. ``tools`` are ``Tool``s,
    plain functions, pydantic models or OpenAI-style dicts; ``tool_choice`` is ``"auto"``,
    ``"none"``, ``"required"`` or a tool's name. ``response_format`` (a pydantic class, or an
    OpenAI-style ``json_schema``/``json_object`` dict) asks for JSON, decoded into
    ``Completion.parsed``. ``temperature``, ``max_tokens`` and ``stop`` are sent under the names
    the provider uses. ``cache=True`` (or a ``CachePolicy``) answers from the response cache
    when the same request was answered before (``cache=False``: not for this call, whatever the
    client's ``cache=``); a hit has ``.cached`` set.
    """

    messages: Messages
    tools: Iterable[Any] | None = None
    tool_choice: Any = None
    response_format: Any = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop: str | Sequence[str] | None = None
    cache: bool | CachePolicy | None = None


@dataclass(slots=True)
class StreamParams(ChatParams):
    """Stream a chat completion: iterate the result for events; ``.completion`` at the end.

    The parameters are those of ``complete``. A connection lost before the first event is sent
    again when the server cannot have run it (or with ``Client(retry_sent_requests=True)``); once
    events have arrived, a cut raises ``StreamInterruptedError`` whose ``.partial`` holds them.
    """


def check_chat(p: ChatParams) -> None:
    if p.temperature is not None or p.max_tokens is not None or p.stop is not None:
        A.check_sampling(p.temperature, p.max_tokens, p.stop)


def _prepare(s: Settings, p: ChatParams, r: Resolved, stream: bool) -> Prepared[ChatRequest]:
    # The None checks keep the plain call (no tools, no schema, no stop) free of conversions.
    rf = p.response_format
    fmt, validator = to_response_format(rf) if rf is not None else (None, None)
    stop = p.stop
    req = ChatRequest(
        r.ctx.model,
        to_messages(p.messages),
        to_tools(p.tools) if p.tools is not None else (),
        to_tool_choice(p.tool_choice) if p.tool_choice is not None else None,
        fmt,
        p.temperature,
        p.max_tokens,
        () if stop is None else [stop] if isinstance(stop, str) else list(stop),
        stream,
        r.options,
        p.extra_body,
    )
    if req.tool_choice is not None:
        check_tool_choice(req.tool_choice, req.tools)
    if req.tools and not r.spec.supports("tools"):
        raise unsupported(r.spec, "tools", "tool calling")
    # With structured output asked for, the text is decoded (and validated with a pydantic class).
    check = validator if validator is not None else (True if fmt is not None else None)
    return finish(s, r, _guard.build(r.dialect.build_chat, req, r.ctx), p, req, check)


def prepare_complete(s: Settings, p: ChatParams, r: Resolved) -> Prepared[ChatRequest]:
    return _prepare(s, p, r, False)


def prepare_stream(s: Settings, p: ChatParams, r: Resolved) -> Prepared[ChatRequest]:
    return _prepare(s, p, r, True)


def parse_complete(p: Prepared[ChatRequest], resp: HttpResponse) -> Completion:
    r = p.resolved
    return structured(_guard.parse_chat(r.dialect, resp, p.req, r.ctx), p.check)


def structured(completion: Completion, validator: Any) -> Completion:
    """The completion with ``.parsed`` filled when structured output was asked for."""
    if validator is None:
        return completion
    if completion.refusal is not None:
        # A refusal is the model's answer, not malformed JSON: say so, with its words.
        refused = RefusalError(
            f"the model refused instead of answering in the requested format: {completion.refusal!r}"
            if completion.refusal
            else "the model refused instead of answering in the requested format",
            refusal=completion.refusal,
        )
        refused.completion = completion
        raise refused
    try:
        completion.parsed = parse_structured(completion.text, None if validator is True else validator)
    except StructuredOutputError as exc:
        exc.completion = completion
        raise
    return completion


def open_stream(s: Settings, p: Prepared[ChatRequest]) -> _StreamCore:
    """The I/O-free half of a stream: decoder, accumulator, deadline and restart budget."""
    r = p.resolved
    req = p.req
    validator = p.check
    deadline = None if p.timeout.total is None else p.policy.clock() + p.timeout.total

    def finalize(c: Completion) -> None:
        structured(c, validator)

    return _StreamCore(
        lambda: r.dialect.stream_decoder(req, r.ctx),
        r.spec.name,
        req.model,
        finalize if validator is not None else None,
        deadline,
        p.policy.clock,
        max_event_bytes=s.max_response_bytes,
        resend_after_cut=p.policy.retry_read_timeouts,
        retries=p.policy.max_retries,
    )


COMPLETE: Operation[ChatParams, Completion] = Operation(
    name="chat",
    method="complete",
    capability="chat",
    what="chat",
    params=ChatParams,
    check=check_chat,
    prepare=prepare_complete,
    returns="Completion",
    async_returns="Completion",
    async_note=AWAITED,
    parse=parse_complete,
)

STREAM: StreamOperation[StreamParams] = StreamOperation(
    name="stream",
    method="stream",
    capability="stream",
    what="streaming",
    params=StreamParams,
    check=check_chat,
    prepare=prepare_stream,
    returns="Stream",
    async_returns="AsyncStream",
    async_note=(
        "Not awaited: the AsyncStream is returned at once (argument errors raise here) and the "
        "request is sent when it is first awaited, entered or iterated; Client.stream sends at once."
    ),
    open=open_stream,
)
