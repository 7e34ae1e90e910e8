"""Amazon SageMaker Runtime: InvokeEndpoint and InvokeEndpointWithResponseStream.

``POST {base}/endpoints/{EndpointName}/invocations`` sends the body to the
container and returns its bytes as they are; ``/invocations-response-stream``
returns an ``application/vnd.amazon.eventstream`` body whose ``PayloadPart``
events each carry a raw slice of the container's output (``Bytes`` is the event
payload). A slice may end anywhere: inside an SSE event, a JSON line or a UTF-8
character, so the decoders here buffer across parts.

SageMaker defines no body schema; ``sagemaker_format=`` picks the container's:

- ``"messages"`` (default): the OpenAI chat body and answer (TGI >= 1.4, vLLM, LMI),
  streamed as SSE. Built and parsed with ``llmkit.dialects.openai_chat``.
- ``"tgi"``: Text Generation Inference's ``generate``: ``{"inputs", "parameters"}``,
  answered with ``[{"generated_text", "details"}]`` and streamed as
  ``data:{"token": {...}}`` records (JSON lines without ``data:`` are read too).
- ``"raw"``: the bytes given in ``raw_body=`` (or ``extra_body=`` as JSON) are sent
  as they are; the answer's bytes become the text.

The SageMaker request headers are keyword options (``custom_attributes``,
``target_variant``, ...). Signing is the provider auth's job (SigV4, name
``sagemaker``). Sources: botocore ``data/sagemaker-runtime/2017-05-13/service-2.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects import openai_chat
from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.sagemaker._errors import classify
from llmkit.dialects.sagemaker._options import FORMATS, HEADER_OPTIONS, OPTIONS, QUIRKS, sagemaker_format
from llmkit.dialects.sagemaker._request import (
    endpoint_path,
    messages_body,
    raw_body,
    request_headers,
    tgi_body,
)
from llmkit.dialects.sagemaker._response import raw_completion, tgi_completion
from llmkit.dialects.sagemaker._stream import SageMakerStreamDecoder
from llmkit.errors import ProviderError
from llmkit.types import Completion
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "FORMATS", "HEADER_OPTIONS", "OPTIONS", "SageMakerDialect", "SageMakerStreamDecoder"]


class SageMakerDialect:
    name = "sagemaker"
    options = OPTIONS
    # The container's format is a keyword option (sagemaker_format=), not a spec quirk.
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        fmt = sagemaker_format(req.options)
        url = ctx.base_url.rstrip("/") + endpoint_path(req.model, req.stream)
        accept: str | None
        if fmt == "messages":
            body: Any = messages_body(req, ctx)
            raw, content_type = dumps(body), "application/json"
            accept = "text/event-stream" if req.stream else "application/json"
        elif fmt == "tgi":
            body = tgi_body(req)
            raw, content_type = dumps(body), "application/json"
            accept = None if req.stream else "application/json"
        else:
            raw, body, content_type = raw_body(req)
            accept = None
        headers = request_headers(req.options, req.stream, content_type, accept)
        return HttpRequest("POST", url, headers, raw, body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        fmt = sagemaker_format(req.options)
        if fmt == "raw":
            return raw_completion(resp, ctx)
        obj = json_or_raise(resp.body, "InvokeEndpoint", ctx.provider)
        if fmt == "tgi":
            return tgi_completion(obj, resp, ctx)
        if isinstance(obj, Mapping) and "choices" not in obj and obj.get("error"):
            raise openai_chat.classify(500, obj, ctx, resp, QUIRKS)
        return openai_chat.parse_chat_body(obj, ctx, QUIRKS)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> SageMakerStreamDecoder:
        return SageMakerStreamDecoder(ctx, sagemaker_format(req.options))

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)


DIALECT = SageMakerDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
