"""Keep credentials out of messages, reprs and logs.

Two layers: every credential llmkit resolves is remembered (by value) and
scrubbed from any text that becomes an error message or body excerpt; and a
few well-known key shapes are masked even if they were never registered
(a provider echoing "Incorrect API key provided: sk-...", say).
"""

from __future__ import annotations

import re

MASK = "***"

# Headers whose values are credentials, lower-case.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "x-amz-security-token",
        "cookie",
        "set-cookie",
        "modal-key",
        "modal-secret",
        "ocp-apim-subscription-key",
    }
)

_known: set[str] = set()

_PATTERNS = re.compile(
    r"(?:sk-[A-Za-z0-9_\-]{8,}|xai-[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|(?<=Bearer )[A-Za-z0-9._\-~+/]{8,}=*)"
)


def register_secret(value: str | None) -> None:
    """Remember a credential so later error text can be scrubbed of it."""
    if value and len(value) >= 6:
        _known.add(value)


def redact_text(text: str) -> str:
    for secret in _known:
        if secret in text:
            text = text.replace(secret, MASK)
    return _PATTERNS.sub(MASK, text)


_SECRET_QUERY = re.compile(
    r"([?&](?:key|api_key|api-key|apikey|token|access_token|sig|signature|x-amz-signature"
    r"|x-amz-security-token|x-amz-credential|code)=)[^&#]*",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """The URL with credential-bearing query values and userinfo passwords masked."""
    url = _SECRET_QUERY.sub(r"\1" + MASK, url)
    url = re.sub(r"(://[^/@:]+:)[^/@]*@", r"\1" + MASK + "@", url)
    return redact_text(url)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def mask(value: str | None) -> str:
    """A repr-safe stand-in for a secret: never more than its last two characters."""
    if not value:
        return "None"
    return f"'{MASK}{value[-2:]}'" if len(value) > 12 else f"'{MASK}'"
