"""The cache key: a digest of the request as it will be sent, minus its credentials.

Keyed on the built request rather than on the caller's arguments: the body the dialect wrote
already holds the model, the messages, the tools and every parameter in the provider's own
terms, and the URL holds the deployment, region and API version; so two calls share an entry
exactly when a provider would see the same request. The body is normalised (JSON re-encoded
with sorted keys) so dict order in the caller's messages or ``extra_body`` does not matter.
Credential headers (``_redact.SENSITIVE_HEADERS``) and the user agent are left out: rotating a
key keeps the cache, and the key never feeds the digest. (A credential is added to the request
by its auth when sent, after this digest is taken.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from llmkit._redact import SENSITIVE_HEADERS
from llmkit.cache._codec import FORMAT
from llmkit.wire import HttpRequest

_LEFT_OUT = SENSITIVE_HEADERS | {"user-agent", "content-length"}


def request_key(operation: str, provider: str, requests: Sequence[HttpRequest]) -> str:
    """A hex SHA-256 over the operation, the provider and the normalised requests (one, or each
    batch of a call sent in several, such as a long list of texts to embed)."""
    doc: list[Any] = [FORMAT, operation, provider, [_request(r) for r in requests]]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _request(request: HttpRequest) -> list[Any]:
    headers = sorted(
        (name.lower(), value) for name, value in request.headers.items() if name.lower() not in _LEFT_OUT
    )
    return [request.method, request.url, headers, _body(request)]


def _body(request: HttpRequest) -> Any:
    body = request.body
    if body is None:
        return None
    # The bytes as sent (``request.json`` may predate ``extra_body``'s merge), decoded again.
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # Not JSON (a multipart upload): the bytes themselves, as their digest.
        return {"sha256": hashlib.sha256(body).hexdigest()}
