"""NVIDIA Triton Inference Server's ``generate`` extension (the KServe-style ``/v2`` HTTP API):
``/v2/models/{model}[/versions/{version}]/generate`` and ``generate_stream`` (SSE).

Written from Triton's ``docs/protocol/extension_generate.md``. A request is ``{"text_input":
<prompt>, "parameters": {...}}`` where the parameters are the model's own (flat strings,
numbers, booleans; llmkit sends ``max_tokens``, ``temperature`` and ``stop`` as the TensorRT-LLM
and vLLM backends name them, and ``stream``); the answer is ``{"model_name", "model_version",
"text_output"}``, and each stream event the same with a piece of the text. The extension reports
no token counts and no finish reason (llmkit's is ``other``), and has no tools; errors are
``{"error": "..."}``, also as an event inside a 200 stream."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from llmkit._urls import model_segment
from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.generate._errors import classify
from llmkit.dialects.generate._prompt import prompt_of
from llmkit.dialects.generate._stream import GenerateStreamDecoder
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.types import Completion, FinishReason, Message, StreamEvent, TextDelta, TextPart, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "TritonDialect"]

# ``model_version=`` picks a version (the path's ``/versions/{version}``); ``parameters=`` is a
# dict of the model's own parameters, merged over llmkit's; the rest are the common backends'.
OPTIONS = frozenset(
    {"model_version", "parameters", "top_p", "top_k", "seed", "random_seed", "beam_width",
     "repetition_penalty", "presence_penalty", "frequency_penalty", "exclude_input_in_output"}
)  # fmt: skip
_VERSION = re.compile(r"[0-9]{1,19}")
_SCALARS = (str, int, float, bool)
_CHAT_ROUTE = "for conversations serve the model through Triton's OpenAI-compatible frontend"


def _parameters(req: ChatRequest) -> dict[str, Any]:
    params: dict[str, Any] = {"stream": req.stream}
    if req.max_tokens is not None:
        params["max_tokens"] = req.max_tokens
    if req.temperature is not None:
        params["temperature"] = req.temperature
    if req.stop:
        # A parameter is a scalar: one stop word as itself; several need the model's own encoding.
        if len(req.stop) > 1:
            raise ConfigurationError(
                "Triton's generate parameters are scalars: pass one stop= word, or the model's own "
                "stop parameter in parameters={...}"
            )
        params["stop"] = req.stop[0]
    for key, value in req.options.items():
        if key == "parameters":
            if not isinstance(value, dict):
                raise ConfigurationError("parameters= takes a dict of the model's parameters")
            params.update(value)
        elif key != "model_version":
            params[key] = value
    bad = sorted(k for k, v in params.items() if not isinstance(v, _SCALARS))
    if bad:
        raise ConfigurationError(f"Triton's generate parameters are strings, numbers or booleans, not {bad}")
    return params


def _path(req: ChatRequest, ctx: CallContext) -> str:
    path = "/v2/models/" + model_segment(ctx.model, ctx.provider)
    version = req.options.get("model_version")
    if version is not None:
        if not isinstance(version, (str, int)) or not _VERSION.fullmatch(str(version)):
            raise ConfigurationError("model_version= is a model version number (digits only)")
        path += f"/versions/{version}"
    return path + ("/generate_stream" if req.stream else "/generate")


def _text(obj: dict[str, Any]) -> str:
    text = obj.get("text_output")
    if not isinstance(text, str):
        raise ResponseDecodeError("generate answer has no text_output string")
    return text


def _read(obj: dict[str, Any], out: list[StreamEvent]) -> None:
    text = _text(obj)
    if text:
        out.append(TextDelta(text))


class TritonDialect:
    name = "triton_generate"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body: dict[str, Any] = {"text_input": prompt_of(req.messages, ctx.provider, _CHAT_ROUTE)}
        body["parameters"] = _parameters(req)
        if req.extra_body:
            body.update(req.extra_body)
        accept = "text/event-stream" if req.stream else "application/json"
        headers = {"content-type": "application/json", "accept": accept}
        return HttpRequest("POST", ctx.base_url + _path(req, ctx), headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "generate", ctx.provider)
        if not isinstance(obj, dict):
            raise ResponseDecodeError("generate body is not a JSON object", provider=ctx.provider)
        text = _text(obj)
        model = obj.get("model_name")
        return Completion(
            message=Message("assistant", (TextPart(text),) if text else ()),
            finish_reason=FinishReason.OTHER,  # the extension reports none
            usage=Usage(),
            model=model if isinstance(model, str) else ctx.model,
            provider=ctx.provider,
            raw_finish_reason=None,
            raw=obj,
        )

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> GenerateStreamDecoder:
        return GenerateStreamDecoder(ctx, _read)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp)


DIALECT = TritonDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
