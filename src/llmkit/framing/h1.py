"""HTTP/1.1 client framing, without I/O: a request's head, a response's head, its body's extent.

The async transport's own connections (``transport/h1_async.py``) frame with this: aiohttp's
request machinery costs ~380k instructions per exchange where these few string operations and a
socket cost ~100k (issue 17). What it reads it reads as h11 (httpx2's HTTP/1.1 library) does, and
it refuses what h11 refuses, and a little more: a bare CR or LF in the head (h11 also ends lines at
a bare LF) and HTTP versions other than 1.0 and 1.1. tests/h1/test_h1_framing.py feeds the same
bytes, cut anywhere, to both and compares. Trailer fields after a chunked body are skipped unread.

Only what a client of JSON APIs meets is taken: status line, header fields (obsolete line folding
joined as h11 joins it), ``Content-Length``, ``Transfer-Encoding: chunked``, a body read to the
close, informational (1xx) responses skipped. Anything else is a ``ProtocolFault``, which the
transport turns into a typed connection error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from llmkit.errors import ConfigurationError
from llmkit.framing.body import ACCEPT_ENCODING
from llmkit.framing.chunked import ChunkedBody

__all__ = [
    "MAX_HEAD",
    "Body",
    "Head",
    "Origin",
    "ProtocolFault",
    "Route",
    "Routes",
    "head_for",
    "parse_head",
    "take_head",
    "request_head",
    "with_defaults",
]

# A response head larger than this is refused (h11's default is 16 KiB; aiohttp's lines 8 KiB).
MAX_HEAD = 64 * 1024
_STATUS = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\x00\n\r\f\v]*)?")
_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# h11's field-value: runs of anything but NUL and whitespace, spaces or tabs between them.
_VALUE = re.compile(rb"[^\x00\s]+(?:[ \t]+[^\x00\s]+)*|")
_DIGITS = re.compile(r"[0-9]{1,20}")
_TARGET = re.compile(r"/[\x21-\x7e]*")
_HOST = re.compile(r"(?:[A-Za-z0-9._\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;[^\n]*)?[ \t]*")  # h11's chunk header
_MAX_TRAILERS = 16 * 1024
_CUT, _LINE, _TRAILERS = 0, 1, 2  # a chunked body: cutting chunks, at a size line, in trailers


class ProtocolFault(Exception):
    """The server's bytes are not an HTTP/1.1 response this client reads (the message says how)."""


@dataclass(slots=True)
class Head:
    status: int
    # Lower-case names; a repeated field's values joined with ", " (RFC 9110 §5.3).
    headers: dict[str, str]
    keep_alive: bool
    length: int | None  # Content-Length; None with ``chunked`` False: read to the close
    chunked: bool


Origin = tuple[str, str, int, Any]  # scheme, host, port, TLS context (None for http)
# What the libraries added to every request before (llmkit sends its own User-Agent).
_DEFAULTS = (("Accept", "*/*"), ("Accept-Encoding", ACCEPT_ENCODING))


class Route:
    """Where a URL's requests go: the origin a connection is pooled under, the Host field, the
    request target (path and query exactly as built, as signed)."""

    __slots__ = ("host_header", "origin", "target")

    def __init__(self, url: str, tls: Any) -> None:
        parts = urlsplit(url)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host or parts.username is not None:
            raise ConfigurationError("the request URL is not an http(s) URL this client can send")
        try:
            default = 443 if parts.scheme == "https" else 80
            port = parts.port or default
            if not host.isascii():
                host = host.encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            raise ConfigurationError("the request URL has an invalid host or port") from None
        shown = f"[{host}]" if ":" in host else host
        self.host_header = shown if port == default else f"{shown}:{port}"
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.origin: Origin = (parts.scheme, host, port, tls if parts.scheme == "https" else None)


class Routes:
    """Routes by (URL, TLS context), kept for the few hundred URLs a client sends to."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], Route] = {}

    def get(self, url: str, tls: Any) -> Route:
        key = (url, id(tls))  # (a kept route holds its context: the id stays that context's)
        r = self._known.get(key)
        if r is None:
            r = Route(url, tls)
            if len(self._known) < 256:
                self._known[key] = r
        return r

    def __iter__(self) -> Any:
        return iter(self._known)


def head_for(route: Route, method: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """The request's head on ``route``; a ConfigurationError (before connecting) when its URL
    holds what cannot go into one."""
    fault = ""
    try:
        size = None if body is None else len(body)
        return request_head(method, route.host_header, route.target, with_defaults(headers), size)
    except ProtocolFault as exc:
        fault = str(exc)
    raise ConfigurationError(fault)  # (outside the except block: no __context__)


def with_defaults(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with Accept and Accept-Encoding added where the caller set neither."""
    lower = [name.lower() for name in headers]
    missing = [(k, v) for k, v in _DEFAULTS if k.lower() not in lower]
    return headers if not missing else {**headers, **dict(missing)}


def request_head(method: str, host: str, target: str, headers: dict[str, str], body: int | None) -> bytes:
    """The request line and header section. ``headers`` were checked by ``fields.check_headers``;
    the target and host come from a URL and are checked here, so no byte can split the head."""
    if _TARGET.fullmatch(target) is None or _HOST.fullmatch(host) is None:
        raise ProtocolFault("the request URL holds characters that cannot be sent in an HTTP/1.1 head")
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    has_host = False
    for name, value in headers.items():
        low = name.lower()
        if low == "content-length" or low == "transfer-encoding":
            continue  # the length sent is always the body's own
        if low == "host":
            has_host = True
        lines.append(f"{name}: {value}\r\n")
    if not has_host:
        lines.insert(1, f"Host: {host}\r\n")
    if body is not None:
        lines.append(f"Content-Length: {body}\r\n")
    elif method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def parse_head(block: bytes, method: str = "POST") -> Head | None:
    """The head in ``block`` (everything before the blank line, which is not included), or None
    for an informational (1xx) response the caller skips."""
    lines = block.split(b"\r\n")
    m = _STATUS.fullmatch(lines[0])
    if m is None:
        raise ProtocolFault(f"malformed status line {_quote(lines[0])}")
    status = int(m.group(2))
    if status < 100:
        raise ProtocolFault(f"malformed status line {_quote(lines[0])}")
    headers: dict[str, str] = {}
    for line in _unfolded(lines):
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t")
        if not colon or _NAME.fullmatch(name) is None or _VALUE.fullmatch(value) is None:
            raise ProtocolFault(f"malformed header line {_quote(line)}")
        key, text = name.decode("ascii").lower(), value.decode("latin-1")
        old = headers.get(key)
        if old is None:
            headers[key] = text
        elif key == "transfer-encoding":
            raise ProtocolFault("more than one Transfer-Encoding field")
        else:
            headers[key] = f"{old}, {text}"
    # Checked on every response, informational ones included (as h11 does).
    coding = headers.get("transfer-encoding")
    if coding is not None:
        coding = headers["transfer-encoding"] = coding.lower()  # (h11 keeps it lower-cased)
    if coding is not None and coding != "chunked":
        raise ProtocolFault(f"unsupported transfer coding {coding[:60]!r}")
    length: int | None = None
    if "content-length" in headers:
        values = {v.strip(" \t") for v in headers["content-length"].split(",")}
        one = values.pop() if len(values) == 1 else ""
        if _DIGITS.fullmatch(one) is None:
            raise ProtocolFault("malformed Content-Length")
        headers["content-length"] = one  # (repeats of one value are one value, as in h11)
        length = int(one)
    if status < 200:
        if status == 101:
            raise ProtocolFault("the server switched protocols, which this client never asks for")
        return None
    keep_alive = m.group(1) == b"1" and "close" not in _tokens(headers.get("connection"))
    chunked = False
    if status in (204, 304) or method == "HEAD":
        length = 0
    elif coding is not None:
        chunked, length = True, None
    elif length is None:
        keep_alive = False  # read to the close
    return Head(status, headers, keep_alive, length, chunked)


def take_head(buf: bytes, method: str = "POST") -> tuple[Head | None, bytes]:
    """The first final response head in ``buf`` and the bytes after it, or (None, the bytes still
    to read) while it is arriving; informational (1xx) heads before it are skipped. A head past
    ``MAX_HEAD`` is a ProtocolFault."""
    while True:
        end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        if end < 0:
            if len(buf) > MAX_HEAD:
                raise ProtocolFault(f"the response head is larger than {MAX_HEAD} bytes")
            return None, buf
        head = parse_head(buf[:end], method)
        buf = buf[end + 4 :]
        if head is not None:
            return head, buf


def _unfolded(lines: list[bytes]) -> list[bytes]:
    # Obsolete line folding, as h11 undoes it: a line that begins with whitespace continues the
    # one before, joined by one space in place of its leading whitespace.
    out: list[bytes] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            if not out:
                raise ProtocolFault("a continuation line before any header field")
            out[-1] += b" " + line.lstrip(b" \t")
        else:
            out.append(line)
    return out


def _tokens(value: str | None) -> list[str]:
    return [] if value is None else [t.strip().lower() for t in value.split(",")]


def _quote(raw: bytes) -> str:
    return repr(raw[:60].decode("latin-1"))


class Body:
    """A response body's framing, fed the bytes after the head as they arrive: ``feed`` returns
    the body's pieces (as h11 would cut them for a chunked body) and sets ``done`` at its end;
    ``extra`` is anything the server sent past it (never expected: the connection is not reused)."""

    __slots__ = ("_chunked", "_chunks", "_left", "_mode", "_tail", "done", "extra", "to_close")

    def __init__(self, head: Head) -> None:
        self.to_close = head.length is None and not head.chunked
        self._left = head.length if head.length is not None else -1
        self._chunked = head.chunked
        self._chunks = ChunkedBody()
        self._mode = _CUT
        self._tail = b""  # a size line or the trailer section still arriving
        self.done = self._left == 0
        self.extra = b""

    def feed(self, data: bytes) -> list[bytes]:
        if self.done:
            self.extra += data
            return []
        if not self._chunked:
            left = self._left
            if left < 0:  # to the close
                return [data] if data else []
            if len(data) < left:
                self._left = left - len(data)
                return [data] if data else []
            self._left = 0
            self.done = True
            self.extra = data[left:]
            return [data[:left]] if left else []
        return self._feed_chunked(data)

    def _feed_chunked(self, data: bytes) -> list[bytes]:
        pieces: list[bytes] = []
        while True:
            mode = self._mode
            if mode == _CUT:
                if not data:
                    return pieces
                cutter = self._chunks
                pieces.extend(cutter.feed(data))
                if cutter.error is not None:
                    raise ProtocolFault(cutter.error)
                if cutter.handoff is None:
                    return pieces
                data, self._mode = cutter.handoff, _LINE
                continue
            data, self._tail = self._tail + data, b""
            if mode == _LINE:  # a size line the cutter does not take (an extension, the last one)
                eol = data.find(b"\r\n")
                if eol < 0:
                    if len(data) > 1024:
                        raise ProtocolFault("over-long chunk size line")
                    self._tail = data
                    return pieces
                m = _CHUNK_LINE.fullmatch(data[:eol])
                if m is None:
                    raise ProtocolFault(f"malformed chunk size line {_quote(data[:eol])}")
                size = int(m.group(1), 16)
                data = data[eol + 2 :]
                if size == 0:
                    self._mode = _TRAILERS
                else:
                    self._chunks, self._mode = ChunkedBody(left=size), _CUT
                continue
            # After the last chunk: trailer fields (skipped unread) and the blank line.
            if data.startswith(b"\r\n"):
                stop = 2
            else:
                end = data.find(b"\r\n\r\n")
                if end < 0:
                    if len(data) > _MAX_TRAILERS:
                        raise ProtocolFault("over-long trailer section")
                    self._tail = data
                    return pieces
                stop = end + 4
            self.done = True
            self.extra = data[stop:]
            return pieces
