"""Replicate's prediction objects and problem-JSON errors -> llmkit results and exceptions.

A prediction is ``{id, status, output, error, metrics, urls: {get, cancel, stream}}`` with
``status`` one of ``starting``, ``processing``, ``succeeded``, ``failed``, ``canceled``. Errors
are RFC 7807 problem details, ``{"title", "detail", "status"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from llmkit.dialects._errors import class_for_status, count, decode_body, json_or_raise, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import PredictionFailedError, ProviderError, ResponseDecodeError
from llmkit.images import plain_host
from llmkit.types import Completion, FinishReason, Message, TextPart, Usage
from llmkit.wire import HttpResponse

TERMINAL = frozenset({"succeeded", "failed", "canceled"})
STATUSES = TERMINAL | {"starting", "processing"}


def prediction(resp: HttpResponse, ctx: CallContext) -> Mapping[str, Any]:
    obj = json_or_raise(resp.body, "Replicate prediction", ctx.provider)
    if (
        not isinstance(obj, Mapping)
        or obj.get("status") not in STATUSES
        or not isinstance(obj.get("id"), str)
    ):
        raise ResponseDecodeError(
            "Replicate answer is not a prediction (no id or a status Replicate does not have)",
            provider=ctx.provider,
            snippet=resp.body,
        )
    return obj


def failed(
    obj: Mapping[str, Any], ctx: CallContext, resp: HttpResponse | None = None
) -> PredictionFailedError:
    pid = obj.get("id")
    status = obj.get("status")
    detail = obj.get("error")
    text = detail if isinstance(detail, str) and detail else None
    if status == "canceled":
        message = f"prediction {pid} was canceled" + (f": {text}" if text else "")
    else:
        message = f"prediction {pid} failed: {text or 'Replicate gave no error text'}"
    err = PredictionFailedError(
        message,
        provider=ctx.provider,
        model=ctx.model,
        request_id=resp.request_id if resp is not None else None,
        body=dict(obj),
        error_type=str(status),
    )
    err.prediction_id = pid if isinstance(pid, str) else None
    return err


def usage(obj: Mapping[str, Any]) -> Usage:
    metrics = obj.get("metrics")
    if not isinstance(metrics, Mapping):
        return Usage()
    inp = count(metrics.get("input_token_count"), "metrics.input_token_count")
    out = count(metrics.get("output_token_count"), "metrics.output_token_count")
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=inp + out)


def output_text(output: Any, provider: str) -> str:
    """A language model's output: a list of string tokens (joined) or one string."""
    if output is None:
        return ""
    if isinstance(output, str):
        return output
    if isinstance(output, list) and all(isinstance(t, str) for t in output):
        return "".join(output)
    raise ResponseDecodeError(
        f"the prediction's output is {type(output).__name__}, not text (a list of strings or a string); "
        "for images use llmkit.generate_image",
        provider=provider,
    )


def completion(resp: HttpResponse, ctx: CallContext) -> Completion:
    obj = prediction(resp, ctx)
    status = obj["status"]
    if status in ("failed", "canceled"):
        raise failed(obj, ctx, resp)
    if status != "succeeded":
        raise ResponseDecodeError(f"prediction {obj['id']} is still {status}", provider=ctx.provider)
    text = output_text(obj.get("output"), ctx.provider)
    return Completion(
        message=Message("assistant", (TextPart(text),) if text else ()),
        finish_reason=FinishReason.STOP,
        usage=usage(obj),
        model=ctx.model,
        provider=ctx.provider,
        id=obj["id"],
        raw_finish_reason=status,
        raw=dict(obj),
    )


def classify(resp: HttpResponse, ctx: CallContext) -> ProviderError:
    body = decode_body(resp)
    message, kind = None, None
    if isinstance(body, Mapping):
        detail, title = body.get("detail"), body.get("title")
        message = detail if isinstance(detail, str) and detail else title if isinstance(title, str) else None
        kind = title if isinstance(title, str) else None
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    return make_error(
        class_for_status(resp.status),
        message or f"Replicate answered HTTP {resp.status}",
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=kind,
    )


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def job_url(
    obj: Mapping[str, Any], name: str, ctx: CallContext, trusted: Mapping[str, tuple[str, ...]]
) -> str:
    """``urls[name]`` of a prediction, if it is on the API's own origin (or, for the stream, a
    host Replicate serves streams from): the key goes with it, so never to another host."""
    urls = obj.get("urls")
    url = urls.get(name) if isinstance(urls, Mapping) else None
    if not isinstance(url, str) or not url:
        raise ResponseDecodeError(f"prediction {obj.get('id')} has no urls.{name}", provider=ctx.provider)
    try:
        scheme, host, port = origin(url)
        plain = plain_host(urlsplit(url).netloc)
    except ValueError:  # a port that is not a number, say
        scheme, host, port, plain = "", "", None, False
    base = origin(ctx.base_url)
    if plain and (scheme, host, port) == base:
        return url
    suffixes = trusted.get(base[1], ())
    if plain and scheme == "https" == base[0] and port is None and suffixes and host.endswith(suffixes):
        return url
    raise ResponseDecodeError(
        f"prediction {obj.get('id')}'s urls.{name} points to another host ({host or 'none'}); llmkit sends "
        "the key only to the API's own host",
        provider=ctx.provider,
    )
