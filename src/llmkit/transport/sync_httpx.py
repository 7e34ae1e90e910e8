"""The sync transport's httpx2 side: requests through a proxy, with their own CA bundle or client
certificate, with user:password@ in the URL, or through a caller's ``http_client=``.

``sync_http.SyncTransport`` imports this at the first such request, so a sync call that goes
straight to its server over llmkit's own connections (``h1_sync``) never imports httpx2."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx2

from llmkit import _constants as C
from llmkit._headers import merge
from llmkit._proxy import ProxyPolicy
from llmkit._redact import exception_text
from llmkit._timeout import Timeout, phase
from llmkit._tls import ClientIdentity, context_for
from llmkit.errors import APIConnectionError, APITimeoutError, ConfigurationError, LLMKitError
from llmkit.framing.body import ACCEPT_ENCODING, BodyDecoder, declared_too_large, too_large
from llmkit.wire import HttpRequest, HttpResponse

# Failures that happen before the server can have received the whole request: safe to repeat.
_BEFORE_SEND = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout, httpx2.ProxyError)
_UNSENT = (httpx2.WriteError, httpx2.WriteTimeout)
# httpx2's own logger: a request sent past ``Client.send`` is logged there as send would log it.
_httpx2_log = logging.getLogger("httpx2")


def map_error(exc: httpx2.HTTPError, headers: Mapping[str, str] | None = None) -> APIConnectionError:
    """Translate httpx2's exceptions at this one boundary.

    The result never references ``exc`` (no ``__cause__``/``__context__``: callers raise it
    outside their ``except`` block), because httpx2's exceptions hold the request and so its
    credential headers; and any header value the message happens to quote is masked.
    """
    if isinstance(exc, httpx2.ConnectTimeout):
        err: APIConnectionError = APITimeoutError(f"timed out connecting: {exception_text(exc, headers)}")
    elif isinstance(exc, httpx2.PoolTimeout):
        err = APITimeoutError("timed out waiting for a free connection in the pool")
    elif isinstance(exc, httpx2.TimeoutException):
        err = APITimeoutError(f"timed out waiting for the server: {type(exc).__name__}")
    elif isinstance(exc, httpx2.ConnectError):
        err = APIConnectionError(f"could not connect: {exception_text(exc, headers)}")
    elif isinstance(exc, httpx2.LocalProtocolError):
        # h11 quotes the offending header (maybe a key): say only what kind of failure it was.
        err = APIConnectionError("the request could not be sent: httpx2 refused it as malformed")
    else:
        err = APIConnectionError(f"{type(exc).__name__}: {exception_text(exc, headers)}")
    err.before_send = isinstance(exc, _BEFORE_SEND + _UNSENT)
    return err


def _h11_of(r: httpx2.Response) -> Any:
    """The h11 state of the connection a response arrived on (None if not reachable).

    httpcore2 keeps the bytes a server sent past the end of a response in the connection's
    buffer and would read them as the answer to the next request on that connection; no public
    API exposes that buffer, so it is reached through the stream wrappers (httpx2 2.16).
    """
    obj: Any = r.stream
    for _ in range(6):
        conn = getattr(obj, "_connection", None)
        if conn is not None:
            return getattr(conn, "_h11_state", None)
        obj = getattr(obj, "_stream", None) or getattr(obj, "_httpcore_stream", None)
        if obj is None:
            return None
    return None


def _raw(r: httpx2.Response) -> Iterator[bytes]:
    # The undecoded body. Not r.iter_raw(): that closes the response as it ends, which puts the
    # connection back in the pool before _retire_if_overfull can look at what is left on it.
    stream: Any = r.stream
    return iter(stream)


def _timed(chunks: Iterator[bytes], deadline: float | None) -> Iterator[bytes]:
    if deadline is None:
        yield from chunks
        return
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise APITimeoutError("total timeout reached while reading the response body")
        yield chunk


def _retire_if_overfull(r: httpx2.Response) -> None:
    """Never reuse a connection that carried bytes past the response's framing."""
    h11 = _h11_of(r)
    if h11 is not None and h11.trailing_data[0]:
        # Marks our side failed, so httpcore2 closes the connection instead of pooling it.
        h11.send_failed()


class HttpxSide:
    """httpx2 clients for the requests ``SyncTransport`` does not send on its own connections:
    a caller's ``http_client=``, or ours (made at first use, one per proxy and per TLS setting)."""

    def __init__(
        self, http_client: Any, policy: ProxyPolicy | None, max_connections: int, max_response_bytes: int
    ) -> None:
        self._limit = max_response_bytes
        self._limits = httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=C.MAX_KEEPALIVE_CONNECTIONS
        )
        # A caller's own httpx2.Client keeps its own proxy settings; ours follow ProxyPolicy.
        self._own = http_client is None
        self._policy = policy
        # id(client) -> (client, the transport under it) for every client made here (``_send``);
        # the client is kept beside its id so an id reused by another object never matches.
        self._direct: dict[int, tuple[httpx2.Client, httpx2.HTTPTransport]] = {}
        # Our own httpx2 client for requests without a proxy, made at its first use: building its
        # transport loads the CA bundle (~25 ms), which a proxied request never uses.
        self._client: httpx2.Client | None = http_client
        self._client_lock = threading.Lock()
        self._closed = False
        self._proxied: dict[str, httpx2.Client] = {}
        self._routes: dict[str, httpx2.Client] = {}
        self._extra = {} if self._own else {"Accept-Encoding": ACCEPT_ENCODING}
        self._timeouts: dict[Timeout, dict[str, Any]] = {}
        # Our own clients' requests are built here, not by ``build_request`` (``_request``); set
        # with the first own client (all of them carry the same default headers).
        self._builder: RequestBuilder | None = None
        # (CA bundle path, client identity digest, proxy) -> a client verifying against that bundle
        # and presenting that identity (HttpRequest.ca_bundle, HttpRequest.client_cert).
        self._ca_clients: dict[tuple[str | None, str | None, str | None], httpx2.Client] = {}
        self._ca_routes: dict[tuple[str | None, str | None, str], httpx2.Client] = {}

    def _new_client(
        self, proxy: str | None, ca_bundle: str | None = None, identity: ClientIdentity | None = None
    ) -> httpx2.Client:
        # An explicit transport: httpx2 then reads no proxy variables itself (ProxyPolicy does),
        # while trust_env still lets SSL_CERT_FILE/SSL_CERT_DIR choose the CA bundle. Certificates
        # are always verified: against a request's own CA bundle when it names one, else the default.
        if self._closed:  # a closed transport makes nothing new
            raise ConfigurationError("this llmkit Client is closed: make a new one to send requests")
        tls = ca_bundle is not None or identity is not None
        verify: Any = context_for(ca_bundle, identity) if tls else True
        transport = httpx2.HTTPTransport(verify=verify, limits=self._limits, proxy=proxy)
        client = httpx2.Client(
            transport=transport, follow_redirects=False, headers={"Accept-Encoding": ACCEPT_ENCODING}
        )
        self._direct[id(client)] = (client, transport)
        if self._builder is None:
            self._builder = RequestBuilder(client.headers.raw)
        return client

    def _default_client(self) -> httpx2.Client:
        """The client for requests without a proxy or their own TLS settings: the caller's
        ``http_client=``, or our own, made at its first use."""
        client = self._client
        if client is None:
            with self._client_lock:
                client = self._client
                if client is None:
                    client = self._client = self._new_client(None)
        return client

    def _client_for(self, url: str) -> httpx2.Client:
        client = self._routes.get(url)
        if client is None:
            proxy = self._policy.for_url(url) if self._policy is not None else None
            if proxy is None:
                client = self._default_client()
            else:
                client = self._proxied.get(proxy) or self._proxied.setdefault(proxy, self._new_client(proxy))
            if len(self._routes) < 256:
                self._routes[url] = client
        return client

    def _ca_client_for(
        self, url: str, ca_bundle: str | None, identity: ClientIdentity | None
    ) -> httpx2.Client:
        if not self._own:
            what = "a CA bundle option (verify=)" if identity is None else "a client certificate"
            raise ConfigurationError(
                f"{what} cannot reach a caller's own http_client=: configure that client's TLS "
                "(verify=, cert=) instead, or drop http_client="
            )
        digest = None if identity is None else identity.digest
        client = self._ca_routes.get((ca_bundle, digest, url))
        if client is None:
            proxy = self._policy.for_url(url) if self._policy is not None else None
            key = (ca_bundle, digest, proxy)
            client = self._ca_clients.get(key) or self._ca_clients.setdefault(
                key, self._new_client(proxy, ca_bundle, identity)
            )
            if len(self._ca_routes) < 256:
                self._ca_routes[(ca_bundle, digest, url)] = client
        return client

    def _timeout(self, timeout: Timeout) -> dict[str, Any]:
        """httpx2's timeout extension for ``timeout`` (what ``build_request`` would put there)."""
        t = self._timeouts.get(timeout)
        if t is None:
            connect, read = phase(timeout.connect), phase(timeout.read)
            t = httpx2.Timeout(connect=connect, read=read, write=read, pool=connect).as_dict()
            # Calls with a total deadline carry ever-changing remainders: don't let those pile up.
            if timeout.total is None and len(self._timeouts) < 64:
                self._timeouts[timeout] = t
        return t

    def _request(self, client: httpx2.Client, req: HttpRequest, timeout: Timeout) -> httpx2.Request:
        t = self._timeout(timeout)
        builder = self._builder
        if builder is not None and not client.cookies:
            built = builder.build(req.method, req.url, req.headers, req.body, t)
            if built is not None:
                return built
        # Our Accept-Encoding (what framing.body decodes) over a caller's own client's, in any
        # case: one header, not two (the header rule, llmkit._headers).
        headers = merge(req.headers, self._extra) if self._extra else req.headers
        return client.build_request(
            req.method, req.url, headers=headers, content=req.body, extensions={"timeout": t}
        )

    def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        if req.ca_bundle is not None or req.client_cert is not None:
            client = self._ca_client_for(req.url, req.ca_bundle, req.client_cert)
        else:
            client = self._default_client() if self._policy is None else self._client_for(req.url)
        failure: APIConnectionError | None = None
        try:
            r = self._send(client, self._request(client, req, timeout))
        except httpx2.HTTPError as exc:
            failure = map_error(exc, req.headers)
        if failure is not None:
            raise failure  # outside the except block: no __context__ back to httpx2's exception
        status = r.status_code
        if stream and 200 <= status < 300:
            encoding = r.headers.get("content-encoding")
            chunks = _chunks(r, req.headers) if encoding is None else _decoded(r, encoding, req.headers)
            return HttpResponse(status, r.headers, b"", chunks, r.close)
        # With a total deadline the body is checked against it piece by piece, so a server trickling
        # bytes (each within the read timeout) cannot hold the call past it.
        deadline = None if timeout.total is None else time.monotonic() + timeout.total
        return HttpResponse(status, r.headers, self._read(r, req.headers, deadline))

    def _send(self, client: httpx2.Client, request: httpx2.Request) -> httpx2.Response:
        """``client.send(request, stream=True)``; for a client made here, what that does without
        its layers that such a client leaves idle (``_send_direct``)."""
        made = self._direct.get(id(client))
        if made is None or made[0] is not client or client.is_closed or request.url.userinfo:
            if client.is_closed:  # httpx2 would raise a bare RuntimeError
                whose = "this llmkit Client" if self._own else "the http_client= passed in"
                raise ConfigurationError(f"{whose} is closed: make a new one to send requests")
            # A caller's client (hooks, auth, mounts of its own), a closed one (send raises), or
            # user:password@ in the URL (send turns it into basic auth): the whole of send.
            return client.send(request, stream=True)
        return _send_direct(client, made[1], request)

    def _read(self, r: httpx2.Response, headers: Mapping[str, str], deadline: float | None) -> bytes:
        """The whole body, decoded and capped, read piece by piece (never all at once)."""
        limit = self._limit
        status = r.status_code
        failure: LLMKitError | None = None
        parts: list[bytes] = []
        try:
            if declared_too_large(r.headers, limit):
                raise too_large(limit, status)
            encoding = r.headers.get("content-encoding")
            # Without a total deadline the pieces are read as they come (no timing wrapper).
            pieces = _raw(r) if deadline is None else _timed(_raw(r), deadline)
            if encoding is None:
                total = 0
                for raw in pieces:
                    total += len(raw)
                    if total > limit:
                        raise too_large(limit, status)
                    parts.append(raw)
            else:
                decoder = BodyDecoder(encoding, limit, status)
                for raw in pieces:
                    parts.extend(decoder.feed(raw))
                parts.extend(decoder.flush())
            _retire_if_overfull(r)
        except httpx2.HTTPError as exc:
            failure = map_error(exc, headers)
        finally:
            # A body left unread (too large, or broken) closes the connection rather than pool it.
            r.close()
        if failure is not None:
            raise failure
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def close(self) -> None:
        self._closed = True
        if self._client is not None:
            self._client.close()
        self._direct.clear()
        for client in self._proxied.values():
            client.close()
        self._proxied.clear()
        self._routes.clear()
        for client in self._ca_clients.values():
            client.close()
        self._ca_clients.clear()
        self._ca_routes.clear()


def _send_direct(
    client: httpx2.Client, transport: httpx2.HTTPTransport, request: httpx2.Request
) -> httpx2.Response:
    """What ``Client.send(request, stream=True)`` does for a client SyncTransport made: no auth,
    no event hooks, no mounts, redirects not followed, its timeout already on the request.

    ``send`` would step an auth generator, a redirect loop and two context managers and wrap the
    body stream in a timer, about a tenth of a small call's instructions (callgrind, issue 17),
    for a Response that never leaves this module (only its status, headers and body do). What
    can be seen from outside is kept: errors carry the request, Set-Cookie lands in the client's
    jar, and httpx2's INFO log line is written. tests/transport/test_sync_direct.py holds the two
    side by side.
    """
    try:
        response = transport.handle_request(request)
    except httpx2.RequestError as exc:
        exc.request = request  # as send's request_context attaches it
        raise
    response.request = request
    client.cookies.extract_cookies(response)
    if _httpx2_log.isEnabledFor(logging.INFO):
        _httpx2_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


def _chunks(r: httpx2.Response, headers: Mapping[str, str]) -> Iterator[bytes]:
    # Here, not at the top: only a stream reads a body this way (a first call loads neither).
    from llmkit.transport.h11_body import body_of

    failure: APIConnectionError | None = None
    try:
        # The plain chunks of an HTTP/1.1 body cut without an h11 event each (same pieces).
        fast = body_of(r)
        yield from _raw(r) if fast is None else fast
        _retire_if_overfull(r)
    except httpx2.HTTPError as exc:
        failure = map_error(exc, headers)
    if failure is not None:
        raise failure


def _decoded(r: httpx2.Response, encoding: str, headers: Mapping[str, str]) -> Iterator[bytes]:
    # No total cap on a stream (it may run long); each event is capped by the stream's reader.
    decoder = BodyDecoder(encoding, None, r.status_code)
    for raw in _chunks(r, headers):
        yield from decoder.feed(raw)
    yield from decoder.flush()


# ---- requests for the transport's own clients, built without ``Client.build_request``
#
# ``build_request`` parses the URL string, merges header dicts twice and encodes the body through
# ``encode_request`` on every call: a fifth of the instructions a small call costs on loopback
# (callgrind, issue 17). For the clients the transport made itself (no base URL, params, auth or
# event hooks; its cookie jar empty, which the caller checks) the result is known in advance, so
# it is built here directly: the same method, URL, header list (same names, order and spelling)
# and body, with the parsed URL kept per address. Anything out of the ordinary (a header
# ``build_request`` treats specially, a body that is not bytes) returns None and goes through
# ``build_request`` as before.
# tests/transport/test_request_builder.py holds the two side by side.

# Headers httpx2 adds or reconciles itself (``Request._prepare``): a request carrying one of them
# is left to ``build_request``.
_SPECIAL = frozenset({"host", "content-length", "transfer-encoding", "cookie"})
# Methods httpx2 gives an explicit ``Content-Length: 0`` when they carry no body.
_BODIED = frozenset({"POST", "PUT", "PATCH", "QUERY"})
_URLS_MAX = 256


class RequestBuilder:
    """Requests as ``client.build_request(method, url, headers=..., content=..., extensions=...)``
    returns them, for a client whose default headers are ``defaults`` (its ``headers.raw``)."""

    __slots__ = ("_defaults", "_urls")

    def __init__(self, defaults: Sequence[tuple[bytes, bytes]]) -> None:
        self._defaults = tuple((k, k.decode("ascii").lower(), v) for k, v in defaults)
        self._urls: dict[str, httpx2.URL] = {}

    def url(self, url: str) -> httpx2.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx2.URL(url)  # immutable: one parse serves every request to this address
            if len(self._urls) < _URLS_MAX:
                self._urls[url] = parsed
        return parsed

    def build(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: dict[str, Any],
    ) -> httpx2.Request | None:
        """The request, or None when ``build_request`` must build it. ``headers`` have passed
        ``check_headers`` (ASCII names and values), so they encode as httpx2 would encode them."""
        if body is not None and type(body) is not bytes:
            return None
        lows = set(map(str.lower, headers))
        if not lows.isdisjoint(_SPECIAL):
            return None
        method = method.upper()
        target = self.url(url)
        # The order build_request gives: Host, an empty body's Content-Length: 0, the client's
        # defaults the call does not override, the call's headers, the body's Content-Length.
        raw: list[tuple[bytes, bytes]] = [(b"Host", target.netloc)] if target.host else []
        if not body and method in _BODIED:
            raw.append((b"Content-Length", b"0"))
        raw.extend([(k, v) for k, low, v in self._defaults if low not in lows])
        raw.extend([(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()])
        if body:
            raw.append((b"Content-Length", str(len(body)).encode("ascii")))
        return httpx2.Request(
            method,
            target,
            headers=raw,
            stream=httpx2.ByteStream(body or b""),
            extensions={"timeout": timeout},
        )
