"""Per-request CA bundles: the TLS context a request's ``ca_bundle`` names, built once per path.

A provider whose certificate chain is not in the usual trust stores (GigaChat's Russian national
CA) sets ``HttpRequest.ca_bundle`` from an option; the transports verify that request against
the bundle's certificates. Verification is never switched off here.
"""

from __future__ import annotations

import ssl
import threading

from llmkit.errors import ConfigurationError

_CONTEXTS: dict[str, ssl.SSLContext] = {}
_LOCK = threading.Lock()
_MAX = 32


def context_for(path: str) -> ssl.SSLContext:
    """A verifying client context that trusts the certificates in ``path`` (PEM), made once."""
    ctx = _CONTEXTS.get(path)
    if ctx is not None:
        return ctx
    try:
        ctx = ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = type(exc).__name__
        raise ConfigurationError(
            f"the CA bundle {path!r} cannot be used ({reason}): pass the path of a PEM file "
            "holding the certificate authority's certificate(s)"
        ) from None
    with _LOCK:
        if len(_CONTEXTS) >= _MAX:
            _CONTEXTS.clear()
        return _CONTEXTS.setdefault(path, ctx)
