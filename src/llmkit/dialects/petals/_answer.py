"""chat.petals.dev's answer: ``{"ok": true, "outputs": "<new text>"}``, or, with the same HTTP
200, ``{"ok": false, "traceback": "<a Python traceback>"}`` (``http_api.py`` catches every
exception and returns ``format_exc()``).

The error class comes from the traceback's last line, the exception that ended the call: a
``ValueError`` or ``TypeError`` is the request's fault (a parameter that does not parse, a model
without a public API), a ``KeyError`` is a model the server does not serve (``models[name]``), and
anything else (the swarm, the GPU, a timeout) is the server's. Only that last line, capped, is kept:
the rest names the server's files and may hold its inputs."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import BadRequestError, NotFoundError, ProviderError, ResponseDecodeError, ServerError
from llmkit.wire import HttpResponse

MAX_LINE = 300
_BY_EXCEPTION: dict[str, type[ProviderError]] = {
    "ValueError": BadRequestError,
    "TypeError": BadRequestError,
    "KeyError": NotFoundError,
}


def last_line(traceback: Any) -> str:
    if not isinstance(traceback, str) or not traceback.strip():
        return "no traceback in the answer"
    line = traceback.strip().splitlines()[-1].strip()
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."


def exception_name(line: str) -> str | None:
    head, sep, _ = line.partition(":")
    name = head.rsplit(".", 1)[-1].strip()  # torch.cuda.OutOfMemoryError -> OutOfMemoryError
    return name if sep and name.isidentifier() else None


def failure(obj: dict[str, Any], resp: HttpResponse, ctx: CallContext) -> ProviderError:
    line = last_line(obj.get("traceback"))
    name = exception_name(line)
    cls = _BY_EXCEPTION.get(name or "", ServerError)
    return make_error(
        cls, f"the server failed: {line}", resp, provider=ctx.provider, model=ctx.model,
        body={"ok": False, "traceback": line}, error_type=name,
    )  # fmt: skip


def outputs(obj: Any, resp: HttpResponse, ctx: CallContext) -> str:
    """The generated text of a decoded answer; ``ok: false`` raises its typed error."""
    if not isinstance(obj, dict) or not isinstance(obj.get("ok"), bool):
        raise ResponseDecodeError("Petals answer has no ok flag", provider=ctx.provider, snippet=resp.body)
    if not obj["ok"]:
        raise failure(obj, resp, ctx)
    text = obj.get("outputs")
    if not isinstance(text, str):
        raise ResponseDecodeError(
            "Petals answer has no outputs string", provider=ctx.provider, snippet=resp.body
        )
    return text
