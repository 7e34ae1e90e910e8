"""IBM watsonx.ai: ``/ml/v1/text/chat``, ``chat_stream``, ``embeddings`` and deployments.

A small dialect of its own over OpenAI's message translation. The messages, tools, response
format and chunks are OpenAI's, so those are reused; but the envelope differs in ways quirks
on the OpenAI dialect could not carry cleanly: the model is ``model_id`` and the body names a
``project_id`` or ``space_id``; a string tool choice goes in ``tool_choice_option`` (only a
forced tool is ``tool_choice``); the stream is another path, not ``stream: true``; errors are
``{"errors": [...], "trace", "status_code"}`` (also inside a stream, after ``event: error``),
a stream ends without ``[DONE]``; and embeddings are ``{inputs, model_id}`` -> ``results[]``.
Field names follow IBM's Java SDK (``TextChatRequest``: ``max_completion_tokens``, ...).

A model ``deployment/<id>`` is a deployed model (``/ml/v1/deployments/{id}/text/chat``): its id
is checked as one path segment, and the body then names no model, project or space (the
deployment carries them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit._urls import check_param
from llmkit.dialects._errors import count, decode_body, float_vector, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks
from llmkit.dialects.openai_chat import OpenAIQuirks, build_chat_body, parse_chat_body
from llmkit.dialects.watsonx._errors import classify, error_fields
from llmkit.dialects.watsonx._stream import WatsonxStreamDecoder
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.types import Completion, Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "WatsonxDialect", "WatsonxStreamDecoder", "error_fields"]

# Chat request fields beyond the common ones (IBM's Java SDK ``TextChatRequest``).
OPTIONS = frozenset(
    {
        "top_p",
        "seed",
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "time_limit",
        "reasoning_effort",
        "include_reasoning",
        "chat_template_kwargs",
        "guided_choice",
        "guided_regex",
        "guided_grammar",
        "repetition_penalty",
        "length_penalty",
        "context",
        # embeddings: sent under ``parameters``
        "truncate_input_tokens",
    }
)
_EMBED_PARAMETERS = frozenset({"truncate_input_tokens"})

# How OpenAI's translation is asked to write the shared parts.
_WIRE = OpenAIQuirks(max_tokens_field="max_completion_tokens", stream_usage=False)
_DEPLOYMENT = "deployment/"
_SCOPE_HINT = "pass project_id= (or set WATSONX_PROJECT_ID) or space_id= (or set WATSONX_SPACE_ID)"


def deployment_id(ctx: CallContext) -> str | None:
    """The deployment a ``deployment/<id>`` model names (checked as one path segment), else None."""
    if not ctx.model.startswith(_DEPLOYMENT):
        return None
    return check_param(
        ctx.provider, "the deployment id", ctx.model[len(_DEPLOYMENT) :], "path_segment", "", "the model"
    )


def _scope(ctx: CallContext, what: str) -> dict[str, str]:
    """``project_id`` / ``space_id`` for the body; one of them is needed outside a deployment."""
    scope = {k: ctx.params[k] for k in ("project_id", "space_id") if ctx.params.get(k)}
    if not scope:
        raise ConfigurationError(f"watsonx {what} needs a project or a space: {_SCOPE_HINT}")
    return scope


def _json_headers(stream: bool) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "accept": "text/event-stream" if stream else "application/json",
    }


class WatsonxDialect:
    name = "watsonx"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        embed_only = sorted(_EMBED_PARAMETERS & set(req.options))
        if embed_only:
            raise ConfigurationError(f"{', '.join(embed_only)}= is for watsonx embeddings, not chat")
        wire = build_chat_body(req, ctx, _WIRE)
        wire.pop("stream", None)
        model = wire.pop("model", None)
        choice = wire.pop("tool_choice", None)
        if isinstance(choice, str):
            wire["tool_choice_option"] = choice
        elif choice is not None:
            wire["tool_choice"] = choice
        suffix = "chat_stream" if req.stream else "chat"
        deployment = deployment_id(ctx)
        if deployment is None:
            body: dict[str, Any] = {"model_id": model, **_scope(ctx, "chat"), **wire}
            path = f"/ml/v1/text/{suffix}"
        else:
            body = wire
            path = f"/ml/v1/deployments/{deployment}/text/{suffix}"
        return HttpRequest("POST", ctx.base_url + path, _json_headers(req.stream), dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return parse_chat_body(json_or_raise(resp.body, "chat", ctx.provider), ctx, _WIRE)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> WatsonxStreamDecoder:
        return WatsonxStreamDecoder(ctx, _WIRE)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        if deployment_id(ctx) is not None:
            raise ConfigurationError("watsonx embeddings take a model id, not a deployment/<id>")
        if req.dimensions is not None:
            raise ConfigurationError("watsonx embeddings have no dimensions= (the model fixes them)")
        body: dict[str, Any] = {
            "inputs": list(req.inputs),
            "model_id": req.model,
            **_scope(ctx, "embeddings"),
        }
        parameters = {k: v for k, v in req.options.items() if k in _EMBED_PARAMETERS}
        unknown = sorted(set(req.options) - _EMBED_PARAMETERS)
        if unknown:
            raise ConfigurationError(f"watsonx embeddings do not take {', '.join(unknown)}")
        if parameters:
            body["parameters"] = parameters
        if req.extra_body:
            body.update(req.extra_body)
        url = ctx.base_url + "/ml/v1/text/embeddings"
        return HttpRequest("POST", url, _json_headers(False), dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        obj = json_or_raise(resp.body, "embeddings", ctx.provider)
        results = obj.get("results") if isinstance(obj, dict) else None
        if not isinstance(results, list) or len(results) != len(req.inputs):
            raise ResponseDecodeError(
                "embeddings body has no results list with one entry per input",
                provider=ctx.provider,
                snippet=resp.body,
            )
        vectors = [
            float_vector(r.get("embedding") if isinstance(r, dict) else None, f"results[{i}].embedding")
            for i, r in enumerate(results)
        ]
        tokens = count(obj.get("input_token_count"), "input_token_count")
        model = obj.get("model_id")
        return Embeddings(
            vectors,
            Usage(input_tokens=tokens),
            model if isinstance(model, str) else req.model,
            ctx.provider,
            obj,
        )


DIALECT = WatsonxDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
