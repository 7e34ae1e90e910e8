"""chat.petals.dev's HTTP API: ``POST {base}/generate`` with form values, for models served by a
Petals swarm.

Written from petals-infra/chat.petals.dev (``README.md``, ``http_api.py``): the server reads
Flask's ``request.values`` (form or query, not JSON): ``model``, ``inputs``, ``max_new_tokens`` or
``max_length``, ``do_sample`` (0/1), ``temperature``, ``top_k``, ``top_p``,
``repetition_penalty``; it answers ``{"ok": true, "outputs": "..."}``, or HTTP 200 with ``{"ok":
false, "traceback": "..."}`` on any failure (``_answer``). No key, token counts, finish reason,
tools or stop parameter. The prompt template is ``_prompt``'s.

Streaming. The server streams only over its WebSocket API (``/api/v2/generate``), which llmkit's
transports do not speak; ``stream`` sends the same HTTP request and hands back its whole answer
as one text event and a finish event (what LiteLLM calls a fake stream), so code that streams
from every provider works here too, without tokens arriving early."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from llmkit.dialects._errors import class_for_status, decode_body, json_or_raise, make_error
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.petals._answer import failure, outputs
from llmkit.dialects.petals._prompt import CHAT_STOPS, FORMATS, chat_prompt, cut, raw_prompt
from llmkit.errors import ConfigurationError, LLMKitError, ProviderError, ResponseDecodeError
from llmkit.types import Completion, Finish, FinishReason, Message, StreamEvent, TextDelta, TextPart, Usage
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DEFAULT_MAX_NEW_TOKENS", "DIALECT", "OPTIONS", "PetalsDialect"]

# http_api.py's parameters beyond those llmkit fills (inputs, model, max_new_tokens, temperature),
# and prompt_format= (llmkit's: "chat" or "raw").
OPTIONS = frozenset({"do_sample", "top_k", "top_p", "repetition_penalty", "max_length", "prompt_format"})
# The README: "You need to specify either max_length or max_new_tokens"; sent when neither is given.
DEFAULT_MAX_NEW_TOKENS = 256


def _format(req: ChatRequest) -> str:
    fmt = req.options.get("prompt_format", "chat")
    if fmt not in FORMATS:
        raise ConfigurationError(f"prompt_format= is 'chat' or 'raw', not {fmt!r}")
    return str(fmt)


def _form_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"  # the server reads do_sample with int()
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ConfigurationError(f"{name}= is a number (or a bool for do_sample), not {type(value).__name__}")


def form(req: ChatRequest, ctx: CallContext) -> dict[str, str]:
    if req.response_format is not None:
        raise ConfigurationError(f"{ctx.provider} takes no response_format (Petals has no structured output)")
    fmt = _format(req)
    prompt = (
        chat_prompt(req.messages, ctx.provider) if fmt == "chat" else raw_prompt(req.messages, ctx.provider)
    )
    values: dict[str, Any] = {"model": ctx.model, "inputs": prompt}
    opts = {k: v for k, v in req.options.items() if k != "prompt_format"}
    if req.max_tokens is not None:
        values["max_new_tokens"] = req.max_tokens
    elif "max_length" not in opts:
        values["max_new_tokens"] = DEFAULT_MAX_NEW_TOKENS
    sampling = any(k in opts for k in ("top_k", "top_p"))
    if req.temperature is not None and req.temperature > 0:
        values["temperature"] = req.temperature
        sampling = True
    # Transformers' generate() ignores temperature and top_k/top_p unless do_sample is set, and
    # refuses temperature 0 with it: a positive temperature (or top_k/top_p) samples, 0 is greedy.
    values["do_sample"] = opts.pop("do_sample", sampling)
    values.update(opts)
    if req.extra_body:
        values.update(req.extra_body)
    return {k: _form_value(k, v) for k, v in values.items() if v is not None}


def _stops(req: ChatRequest) -> tuple[str, ...]:
    return (*CHAT_STOPS, *req.stop) if _format(req) == "chat" else tuple(req.stop)


def finish_text(text: str, req: ChatRequest) -> tuple[str, FinishReason]:
    """The answer as llmkit returns it: cut at a stop sequence (STOP), else whole (OTHER: the
    server does not say whether max_new_tokens or the end-of-sequence token ended it)."""
    if _format(req) == "chat":
        text = text.lstrip()  # the prompt ends with "Assistant:"; the model answers " ..."
    text, stopped = cut(text, _stops(req))
    return text, FinishReason.STOP if stopped else FinishReason.OTHER


class PetalsStreamDecoder:
    """The whole JSON answer, buffered until it parses, as one TextDelta and a Finish."""

    __slots__ = ("_buf", "_ctx", "_done", "_req", "citations", "error", "raw_events", "response_id",
                 "response_model")  # fmt: skip

    def __init__(self, req: ChatRequest, ctx: CallContext) -> None:
        self._req, self._ctx = req, ctx
        self._buf = bytearray()
        self._done = False
        self.error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Any] = []
        self.raw_events: list[Any] = []

    def _answer(self) -> list[StreamEvent]:
        body = bytes(self._buf)
        obj = json_or_raise(body, "Petals", self._ctx.provider)
        self._done = True
        self.raw_events.append(obj)
        text, reason = finish_text(outputs(obj, HttpResponse(200, {}, body), self._ctx), self._req)
        events: list[StreamEvent] = [TextDelta(text)] if text else []
        events.append(Finish(reason))
        return events

    def feed(self, data: bytes) -> list[StreamEvent]:
        if self._done:
            if data.strip():
                raise ResponseDecodeError(
                    "Petals answer goes on after its JSON object", provider=self._ctx.provider
                )
            return []
        self._buf += data
        # Parsed only once the buffer ends as an object does, so a body in many chunks is read once.
        if not self._buf.rstrip().endswith(b"}"):
            return []
        try:
            return self._answer()
        except ResponseDecodeError:
            self._done = False
            return []  # a "}" inside the text: wait for the rest

    @property
    def done(self) -> bool:
        if not self._done and self._buf.strip():
            self._answer()  # the stream ended: a body that does not parse is a decode error
            # (an answer that does parse here had a trailing byte after its last "}": read now)
        return self._done


class PetalsDialect:
    name = "petals"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        values = form(req, ctx)
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        return HttpRequest("POST", f"{ctx.base_url}/generate", headers, urlencode(values).encode(), values)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "Petals", ctx.provider)
        text, reason = finish_text(outputs(obj, resp, ctx), req)
        return Completion(
            message=Message("assistant", (TextPart(text),) if text else ()),
            finish_reason=reason,
            usage=Usage(),  # the API reports no token counts
            model=ctx.model,
            provider=ctx.provider,
            raw_finish_reason=None,
            raw=obj,
        )

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> PetalsStreamDecoder:
        return PetalsStreamDecoder(req, ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        body = decode_body(resp)
        if isinstance(body, dict) and body.get("ok") is False:
            return failure(body, resp, ctx)
        # Flask's and a proxy's own pages (404, 405, 502) are HTML: only a bounded excerpt is kept.
        text = body if isinstance(body, str) else None
        message = f"HTTP error page: {text.strip()[:200]}" if text and text.strip() else "no error details"
        return make_error(
            class_for_status(resp.status), message, resp, provider=ctx.provider, model=ctx.model,
            body=text[:200] if text else body,
        )  # fmt: skip


DIALECT = PetalsDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
