"""NLP Cloud's text endpoints: ``POST {base}/{model}/chatbot`` (a conversation) and
``/generation`` (one raw prompt), streamed with ``"stream": true``.

Written from NLP Cloud's official clients (nlpcloud-python, nlpcloud-go, nlpcloud-js) and its
API reference: ``chatbot`` takes ``{"input", "context"?, "history"?: [{"input", "response"}]}``
and answers ``{"response", "history"}``; ``generation`` takes ``{"text", "max_length"?,
"temperature"?, "end_sequence"?, ...}`` and answers ``{"generated_text", "nb_input_tokens",
"nb_generated_tokens"}``. A stream is plain text, each piece followed by a NUL byte
(``framing.delimited``). Errors are ``{"detail": "..."}`` (FastAPI's shape). Neither endpoint
reports a finish reason (llmkit's is ``other``) or takes tools; ``chatbot`` takes no sampling
parameters (``endpoint="generation"`` does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit._urls import model_segment
from llmkit.dialects._errors import class_for_status, count, decode_body, json_or_raise, make_error
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.nlp_cloud._body import chatbot_body, generation_body
from llmkit.errors import ConfigurationError, LLMKitError, ProviderError, ResponseDecodeError
from llmkit.framing.delimited import DelimitedDecodeError, DelimitedTextDecoder
from llmkit.types import Completion, FinishReason, Message, StreamEvent, TextDelta, TextPart, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "NLPCloudDialect"]

# ``endpoint=`` picks the route; the rest are ``generation``'s own parameters.
OPTIONS = frozenset(
    {"endpoint", "length_no_input", "remove_input", "num_beams", "num_return_sequences", "top_k",
     "top_p", "repetition_penalty", "bad_words", "remove_end_sequence"}
)  # fmt: skip
_ENDPOINTS = ("chatbot", "generation")


def _endpoint(req: ChatRequest) -> str:
    endpoint = req.options.get("endpoint", "chatbot")
    if endpoint not in _ENDPOINTS:
        raise ConfigurationError(
            f"endpoint= is 'chatbot' (a conversation) or 'generation' (one prompt), not {endpoint!r}"
        )
    return str(endpoint)


def _text_of(obj: Any, field: str, provider: str, body: bytes) -> str:
    if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
        raise ResponseDecodeError(f"NLP Cloud answer has no {field} string", provider=provider, snippet=body)
    text: str = obj[field]
    return text


class NLPCloudStreamDecoder:
    __slots__ = ("_text", "citations", "error", "raw_events", "response_id", "response_model")

    def __init__(self) -> None:
        self._text = DelimitedTextDecoder(b"\x00")
        self.error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Any] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        # The format has no last event: the answer ends when the server closes the stream (a
        # connection lost midway is a transport error, so it still counts as interrupted).
        return not self._text.pending

    def feed(self, data: bytes) -> list[StreamEvent]:
        try:
            pieces = self._text.feed(data)
        except DelimitedDecodeError as exc:
            if not exc.pieces:
                raise
            self.error = exc  # the text before the bad bytes is handed back first
            pieces = exc.pieces
        return [TextDelta(piece) for piece in pieces]


class NLPCloudDialect:
    name = "nlp_cloud"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        endpoint = _endpoint(req)
        if endpoint == "chatbot":
            body = chatbot_body(req, ctx.provider)
        else:
            body = generation_body(req, ctx.provider)
        if req.stream:
            body["stream"] = True
        if req.extra_body:
            body.update(req.extra_body)
        url = f"{ctx.base_url}/{model_segment(ctx.model, ctx.provider)}/{endpoint}"
        headers = {"content-type": "application/json", "accept": "*/*" if req.stream else "application/json"}
        return HttpRequest("POST", url, headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "NLP Cloud", ctx.provider)
        usage = Usage()
        if _endpoint(req) == "chatbot":
            text = _text_of(obj, "response", ctx.provider, resp.body)
        else:
            text = _text_of(obj, "generated_text", ctx.provider, resp.body)
            usage = Usage(
                input_tokens=count(obj.get("nb_input_tokens"), "nb_input_tokens"),
                output_tokens=count(obj.get("nb_generated_tokens"), "nb_generated_tokens"),
            )
        return Completion(
            message=Message("assistant", (TextPart(text),) if text else ()),
            finish_reason=FinishReason.OTHER,  # neither endpoint reports one
            usage=usage,
            model=ctx.model,
            provider=ctx.provider,
            raw_finish_reason=None,
            raw=obj,
        )

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> NLPCloudStreamDecoder:
        return NLPCloudStreamDecoder()

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        body = decode_body(resp)
        detail = body.get("detail") if isinstance(body, dict) else body
        if isinstance(detail, list):  # FastAPI's validation errors: [{"loc", "msg", "type"}]
            detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
        message = (
            detail[:500] if isinstance(detail, str) and detail else "no error details in the response body"
        )
        return make_error(
            class_for_status(resp.status), message, resp, provider=ctx.provider, model=ctx.model, body=body
        )


DIALECT = NLPCloudDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
