"""Hugging Face TGI's ``generate`` API, as LoRAX and Predibase serve it too: ``/generate`` and
``/generate_stream`` (SSE).

Written from TGI's OpenAPI document (huggingface/text-generation-inference ``docs/openapi.json``)
and LoRAX's client types (``lorax-client``). A request is ``{"inputs": <prompt>, "parameters":
{...}}``; llmkit always asks for ``details`` (the finish reason and token counts). The answer is
``{"generated_text", "details": {finish_reason, generated_tokens, prefill, tokens, seed}}``
(LoRAX adds ``prompt_tokens``). The endpoint takes one raw prompt and has no tools
(``_prompt``); structured output goes in TGI's ``grammar`` or LoRAX's ``response_format``
(``GenerateQuirks.json_field``). Triton's ``generate`` extension is the sibling module
``triton``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit._urls import model_segment
from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.generate._errors import classify
from llmkit.dialects.generate._prompt import prompt_of
from llmkit.dialects.generate._stream import GenerateStreamDecoder, finish_of, read_tgi, usage_of
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.types import Completion, Message, TextPart, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "GenerateDialect", "GenerateQuirks"]

# GenerateParameters in TGI's OpenAPI document, less those llmkit fills from its own arguments
# (max_new_tokens, temperature, stop, details, grammar).
OPTIONS = frozenset(
    {
        "adapter_id", "best_of", "decoder_input_details", "do_sample", "frequency_penalty",
        "max_new_tokens", "repetition_penalty", "return_full_text", "seed", "top_k", "top_n_tokens",
        "top_p", "truncate", "typical_p", "watermark",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class GenerateQuirks(Quirks):
    # The path after the base URL; ``{model}`` is the model name as one path segment (Predibase
    # names the deployment there).
    generate_path: str = "/generate"
    stream_path: str = "/generate_stream"
    # Where a JSON schema goes: TGI's ``grammar`` ({"type": "json", "value": schema}) or LoRAX's
    # ``response_format`` ({"type": "json_object", "schema": schema}).
    json_field: str = "grammar"
    # What a refused conversation is told to use instead.
    chat_route: str = "for conversations use the server's OpenAI-compatible Messages API"


_DEFAULT = GenerateQuirks()


def quirks_of(ctx: CallContext) -> GenerateQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, GenerateQuirks) else _DEFAULT


def parameters(req: ChatRequest, q: GenerateQuirks) -> dict[str, Any]:
    params: dict[str, Any] = {"details": True}
    if req.max_tokens is not None:
        params["max_new_tokens"] = req.max_tokens
    if req.temperature is not None:
        params["temperature"] = req.temperature
    if req.stop:
        params["stop"] = list(req.stop)
    fmt = req.response_format
    if fmt is not None:
        schema = dict(fmt.schema or {"type": "object"})
        if q.json_field == "grammar":
            params["grammar"] = {"type": "json", "value": schema}
        else:
            params["response_format"] = {"type": "json_object", "schema": schema}
    params.update(req.options)
    return params


class GenerateDialect:
    name = "tgi_generate"
    options = OPTIONS
    quirks_type = GenerateQuirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        q = quirks_of(ctx)
        body: dict[str, Any] = {"inputs": prompt_of(req.messages, ctx.provider, q.chat_route)}
        body["parameters"] = parameters(req, q)
        if req.extra_body:
            body.update(req.extra_body)
        path = q.stream_path if req.stream else q.generate_path
        if "{model}" in path:
            path = path.replace("{model}", model_segment(ctx.model, ctx.provider))
        accept = "text/event-stream" if req.stream else "application/json"
        headers = {"content-type": "application/json", "accept": accept}
        return HttpRequest("POST", ctx.base_url + path, headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "generate", ctx.provider)
        if isinstance(obj, list) and len(obj) == 1:
            obj = obj[0]  # TGI's compatibility route ``/`` answers a one-item list
        if not isinstance(obj, dict) or not isinstance(obj.get("generated_text"), str):
            raise ResponseDecodeError(
                "generate body has no generated_text string", provider=ctx.provider, snippet=resp.body
            )
        details = obj.get("details")
        if details is not None and not isinstance(details, dict):
            raise ResponseDecodeError("generate body's details is not an object", provider=ctx.provider)
        finish, raw = finish_of(details)
        text = obj["generated_text"]
        return Completion(
            message=Message("assistant", (TextPart(text),) if text else ()),
            finish_reason=finish,
            usage=usage_of(details) if details else Usage(),
            model=ctx.model,
            provider=ctx.provider,
            raw_finish_reason=raw,
            raw=obj,
        )

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> GenerateStreamDecoder:
        return GenerateStreamDecoder(ctx, read_tgi)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp)


DIALECT = GenerateDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
