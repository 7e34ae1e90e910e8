"""The authentication contract.

An ``Auth`` decorates an outgoing ``HttpRequest``. Schemes that need a token
exchange (OAuth2, Google service accounts, Entra ID) are written as a
generator in the style of httpx's ``auth_flow``: they *yield* the token
request, the transport sends it and sends the ``HttpResponse`` back in, and the
generator finally *returns* the decorated request. One implementation then
serves the sync and the async client alike.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol

from llmkit._redact import mask
from llmkit.wire import HttpRequest, HttpResponse

AuthFlow = Generator[HttpRequest, HttpResponse, HttpRequest]


class Auth(Protocol):
    def auth_flow(self, request: HttpRequest) -> AuthFlow: ...


@dataclass(slots=True)
class NoAuth:
    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover  (makes this a generator)

    def apply(self, request: HttpRequest) -> HttpRequest:
        """The no-I/O fast path the client takes for static credentials."""
        return request


@dataclass(slots=True)
class HeaderAuth:
    """A static key in a header (``Authorization: Bearer …``, ``x-api-key: …``, ``api-key: …``)."""

    header: str
    value: str
    prefix: str = ""

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover

    def apply(self, request: HttpRequest) -> HttpRequest:
        request.headers[self.header] = self.prefix + self.value
        return request

    def __repr__(self) -> str:
        return f"HeaderAuth(header={self.header!r}, value={mask(self.value)})"
