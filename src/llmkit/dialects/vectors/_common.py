"""What Voyage, Jina, TEI and Hugging Face's hosted feature-extraction share: reading vectors
(JSON numbers or a base64 array), rerank results, image inputs given as ``data:`` URIs, and the
error bodies (``{"detail"}`` for Voyage and Jina, ``{"error", "error_type"}`` for TEI)."""

from __future__ import annotations

import base64
import binascii
import math
import re
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit.dialects._errors import class_for_status, count, decode_body, float_vector, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import AuthenticationError, ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.wire import HttpRequest, HttpResponse, dumps

# A base64 vector's numpy dtype -> the array typecode that reads it (little-endian on the wire).
_TYPECODES = {"float": "f", "float32": "f", "int8": "b", "binary": "b", "uint8": "B", "ubinary": "B"}
_DATA_URI = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$", re.IGNORECASE)


def post(url: str, body: Any) -> HttpRequest:
    # The call's own headers (ctx.headers) are added by the client, as for every dialect.
    return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)


def image_data_uri(text: str) -> tuple[str, str] | None:
    """(mime type, base64 payload) when an input is an image given as a ``data:image/...;base64,``
    URI (how llmkit's string-only ``inputs`` carry an image to a multimodal model), else None."""
    if not text.startswith(("data:", "DATA:")):
        return None
    m = _DATA_URI.match(text)
    if m is None:
        raise ConfigurationError("an image input must be a data:image/<type>;base64,<data> URI")
    return m.group(1).lower(), re.sub(r"\s", "", m.group(2))


def b64_vector(value: str, dtype: str) -> list[float]:
    """A base64-encoded little-endian array of ``dtype`` as floats."""
    code = _TYPECODES.get(dtype)
    if code is None:
        raise ResponseDecodeError(f"cannot read a base64 embedding of dtype {dtype!r}")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseDecodeError("a base64 embedding is not base64") from None
    out = array(code)
    if not raw or len(raw) % out.itemsize:
        raise ResponseDecodeError(f"a base64 embedding is {len(raw)} bytes, not whole {dtype} values")
    out.frombytes(raw)
    if sys.byteorder == "big" and out.itemsize > 1:
        out.byteswap()
    vector = [float(x) for x in out]
    if not math.isfinite(sum(vector)):
        raise ResponseDecodeError("an embedding holds NaN or Infinity")
    return vector


def vector(value: Any, dtype: str) -> list[float]:
    return b64_vector(value, dtype) if type(value) is str else float_vector(value)


def openai_rows(obj: Any, n: int, dtype: str) -> list[list[float]]:
    """``{"data": [{"embedding", "index"}]}`` in input order: every index 0..n-1 exactly once."""
    rows = obj.get("data") if isinstance(obj, Mapping) else None
    if type(rows) is not list or len(rows) != n:
        got = len(rows) if type(rows) is list else "no"
        raise ResponseDecodeError(f"the answer has {got} embeddings for {n} inputs")
    out: list[list[float] | None] = [None] * n
    for pos, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ResponseDecodeError("an embeddings row is not an object")
        index = row.get("index", pos)
        if type(index) is not int or not 0 <= index < n or out[index] is not None:
            raise ResponseDecodeError(f"an embeddings row has index {index!r}")
        out[index] = vector(row.get("embedding"), dtype)
    return [v for v in out if v is not None]


def total_tokens(obj: Any, name: str = "usage.total_tokens") -> int:
    usage = obj.get("usage") if isinstance(obj, Mapping) else None
    if usage is None:
        return 0
    if not isinstance(usage, Mapping):
        raise ResponseDecodeError("usage is not an object")
    return count(usage.get("total_tokens"), name)


def rerank_rows(rows: Any, n: int, score_key: str = "relevance_score") -> list[tuple[int, float, str | None]]:
    """Rerank results as (index, score, document text or None), best first, each index valid.

    A document arrives as a string (Jina, Voyage) or as ``{"text": ...}`` (Jina's v2 answers);
    TEI names it ``text``."""
    if type(rows) is not list:
        raise ResponseDecodeError("rerank results are not a list")
    out: list[tuple[int, float, str | None]] = []
    seen: set[int] = set()
    for row in rows:
        if not isinstance(row, Mapping):
            raise ResponseDecodeError("a rerank result is not an object")
        index, score = row.get("index"), row.get(score_key)
        if type(index) is not int or not 0 <= index < n or index in seen:
            raise ResponseDecodeError(f"a rerank result has index {index!r} for {n} documents")
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score):
            raise ResponseDecodeError(f"a rerank result has {score_key} {score!r}")
        seen.add(index)
        out.append((index, float(score), _document(row.get("document", row.get("text")))))
    out.sort(key=lambda r: -r[1])
    return out


def _document(doc: Any) -> str | None:
    if doc is None or type(doc) is str:
        return doc
    if isinstance(doc, Mapping) and type(doc.get("text")) is str:
        text: str = doc["text"]
        return text
    raise ResponseDecodeError(f"a rerank document is {type(doc).__name__}, not text")


def chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def detail_error(resp: HttpResponse, ctx: CallContext, vendor: str) -> ProviderError:
    """Voyage's and Jina's errors: FastAPI's ``{"detail": "..."}`` (a validation failure's detail
    is a list of ``{"loc", "msg"}``), sometimes plain text from a gateway."""
    body = decode_body(resp)
    detail = body.get("detail") if isinstance(body, Mapping) else body
    if isinstance(detail, list):
        msgs = [d.get("msg") for d in detail if isinstance(d, Mapping) and isinstance(d.get("msg"), str)]
        message = "; ".join(str(m) for m in msgs) or None
    elif isinstance(detail, str) and detail.strip():
        message = detail.strip()[:500]
    else:
        message = None
    cls = class_for_status(resp.status)
    text = message or f"{vendor} answered HTTP {resp.status}"
    if cls is AuthenticationError:
        text += f" (check {ctx.spec.env_keys[0]} or api_key=)"
    return make_error(cls, text, resp, provider=ctx.provider, model=ctx.model, body=body)


def tei_error(resp: HttpResponse, ctx: CallContext) -> ProviderError:
    """TEI's ``{"error": "...", "error_type": "Validation"|"Tokenizer"|"Backend"|"Overloaded"|
    "Empty"}`` (413 for a batch past ``max_client_batch_size``, 424 a backend failure, 429
    overloaded); Hugging Face's hosted route answers ``{"error": "..."}`` (a list for some)."""
    body = decode_body(resp)
    err = body.get("error") if isinstance(body, Mapping) else body
    if isinstance(err, list):
        err = "; ".join(str(e) for e in err)
    message = err.strip()[:500] if isinstance(err, str) and err.strip() else None
    etype = body.get("error_type") if isinstance(body, Mapping) else None
    etype = etype if isinstance(etype, str) else None
    cls = class_for_status(resp.status)
    text = message or f"{ctx.spec.display_name} answered HTTP {resp.status}"
    if cls is AuthenticationError and ctx.spec.env_keys:
        text += f" (check {ctx.spec.env_keys[0]} or api_key=)"
    return make_error(cls, text, resp, provider=ctx.provider, model=ctx.model, body=body, error_type=etype)
