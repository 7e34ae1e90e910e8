"""``framing.h1`` read beside h11 (the HTTP/1.1 library httpx2's connections use): the same bytes,
cut anywhere, give the same status, fields, body and end, or both refuse them."""

from __future__ import annotations

import itertools

import h11
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmkit.framing.h1 import Body, ProtocolFault, parse_head, request_head

REQUEST = h11.Request(method="POST", target="/v1/x", headers=[("Host", "a.example"), ("Content-Length", "0")])


def via_h11(data: bytes, cuts: list[int], eof: bool) -> tuple[object, ...]:
    conn = h11.Connection(h11.CLIENT)
    conn.send(REQUEST)
    conn.send(h11.EndOfMessage())
    status, fields, body, done = None, None, b"", False
    try:
        for piece in _pieces(data, cuts) + ([b""] if eof else []):
            conn.receive_data(piece)
            while True:
                ev = conn.next_event()
                if ev is h11.NEED_DATA or ev is h11.PAUSED:
                    break
                if isinstance(ev, h11.Response):
                    status = ev.status_code
                    fields = {}
                    for name, value in ev.headers:
                        key, text = name.decode(), value.decode("latin-1")
                        fields[key] = text if key not in fields else f"{fields[key]}, {text}"
                elif isinstance(ev, h11.Data):
                    body += ev.data
                elif isinstance(ev, h11.EndOfMessage):
                    done = True  # (what follows is not this response's: neither reader reads on)
                    break
                elif isinstance(ev, h11.ConnectionClosed):
                    break
            if done:
                break
    except h11.RemoteProtocolError:
        return ("refused",)
    return (status, fields, body, done)


def via_h1(data: bytes, cuts: list[int], eof: bool) -> tuple[object, ...]:
    buf, head, body_reader, body = b"", None, None, b""
    try:
        for piece in _pieces(data, cuts):
            if body_reader is None:
                buf += piece
                while body_reader is None and (end := buf.find(b"\r\n\r\n")) >= 0:
                    head = parse_head(buf[:end])
                    buf = buf[end + 4 :]
                    if head is not None:
                        body_reader = Body(head)
                if body_reader is None:
                    continue
                piece, buf = buf, b""
            body += b"".join(body_reader.feed(piece))
            if body_reader.done:
                break
        done = body_reader is not None and (body_reader.done or (eof and body_reader.to_close))
    except ProtocolFault:
        return ("refused",)
    if head is None:
        return (None, None, b"", False)
    return (head.status, head.headers, body, done)


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a] or [b""]


TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC-_0123456789!#$%&'*+.^`|~", min_size=1, max_size=12)
# (No CR or LF in values: h11 also ends lines at a bare LF, this reader refuses one, below.)
VALUE = st.binary(max_size=20).filter(lambda v: b"\r" not in v and b"\n" not in v)
NAMES = st.one_of(TOKEN, st.sampled_from(["Connection", "X Bad", "", "x:y", "content-type"]))


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, bool]:
    version = draw(st.sampled_from([b"1.1", b"1.1", b"1.0"]))
    status = draw(st.sampled_from([200, 201, 204, 304, 400, 429, 500, 100, 103, 99]))
    reason = draw(st.sampled_from([b" OK", b"", b" ", b" Too  Many", b" caf\xe9", b" a\x00b"]))
    lines = [b"HTTP/" + version + b" " + str(status).zfill(3).encode() + reason]
    if 100 <= status < 200:
        lines.append(b"X-Info: 1")
        prefix = b"\r\n".join(lines) + b"\r\n\r\n"
        lines = [b"HTTP/" + version + b" 200 OK"]
    else:
        prefix = b""
    for _ in range(draw(st.integers(0, 4))):
        name = draw(NAMES).encode()
        sep = draw(st.sampled_from([b": ", b":", b":  ", b" : "]))
        lines.append(name + sep + draw(VALUE) + draw(st.sampled_from([b"", b" ", b"\t"])))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from([b" folded", b"\tmore  ", b"  x"])))
    payload = draw(st.binary(max_size=40))
    framing = draw(
        st.sampled_from(["length", "length", "chunked", "close", "bad-length", "two-te", "gzip-te"])
    )
    eof = framing == "close"
    if framing == "length":
        lines.append(b"Content-Length: " + str(len(payload)).encode())
        body = payload
    elif framing == "bad-length":
        lines.append(
            draw(st.sampled_from([b"Content-Length: 1x", b"Content-Length: 3, 4", b"Content-Length: -1"]))
        )
        body = payload
    elif framing == "chunked":
        lines.append(b"Transfer-Encoding: " + draw(st.sampled_from([b"chunked", b"Chunked", b"chunked "])))
        body, pos = b"", 0
        while pos < len(payload):
            size = draw(st.integers(1, 16))
            part = payload[pos : pos + size]
            ext = draw(st.sampled_from([b"", b"", b";a=b", b" ", b";x"]))
            hexsize = draw(st.sampled_from(["{:x}", "{:X}", "{:04x}"])).format(len(part)).encode()
            body += hexsize + ext + b"\r\n" + part + b"\r\n"
            pos += size
        body += draw(st.sampled_from([b"0\r\n\r\n", b"0;e\r\n\r\n", b"0\r\nT: v\r\n\r\n", b"00\r\n\r\n"]))
    elif framing == "two-te":
        lines += [b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"]
        body = b"0\r\n\r\n"
    elif framing == "gzip-te":
        lines.append(b"Transfer-Encoding: gzip")
        body = payload
    else:
        body = payload
    return prefix + b"\r\n".join(lines) + b"\r\n\r\n" + body, eof


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses(), st.lists(st.integers(0, 400), max_size=6))
def test_reads_as_h11_reads(case: tuple[bytes, bool], cuts: list[int]) -> None:
    data, eof = case
    assert via_h1(data, cuts, eof) == via_h11(data, cuts, eof)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n2\r\n!!\r\n0\r\nT: 1\r\n\r\n"
        b"",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX: a\r\n b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-\x01: a\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x7fb\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_known_cases_byte_by_byte(data: bytes) -> None:
    cuts = list(range(len(data)))
    assert via_h1(data, cuts, False) == via_h11(data, cuts, False)
    assert via_h1(data, [], False) == via_h11(data, [], False)


def test_request_head_is_exact_and_refuses_splitting() -> None:
    head = request_head(
        "POST", "api.example.com:8443", "/v1/m?x=1", {"Authorization": "k", "content-length": "99"}, 3
    )
    assert head == (
        b"POST /v1/m?x=1 HTTP/1.1\r\nHost: api.example.com:8443\r\n"
        b"Authorization: k\r\nContent-Length: 3\r\n\r\n"
    )
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(head + b"abc")
    ev = conn.next_event()
    assert isinstance(ev, h11.Request) and ev.target == b"/v1/m?x=1"
    assert request_head("GET", "[::1]:8080", "/", {}, None).startswith(
        b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n"
    )
    assert b"Content-Length: 0" in request_head("POST", "h", "/", {}, None)
    for target in ["/a b", "/a\r\nX: y", "a", "/\u00e9"]:
        with pytest.raises(ProtocolFault):
            request_head("POST", "h", target, {}, None)
    for host in ["h\r\nX: y", "a b", "h/x"]:
        with pytest.raises(ProtocolFault):
            request_head("POST", host, "/", {}, None)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nX: a\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    ],
)
def test_stricter_than_h11_where_it_differs(data: bytes) -> None:
    """Where the two part, this reader refuses: a bare LF or CR in the head (h11 ends a line at a
    bare LF) and HTTP versions other than 1.0 and 1.1."""
    assert via_h1(data, [], False) == ("refused",)


def test_a_head_with_only_bare_line_feeds_never_ends() -> None:
    # (The transport then fails it at the close, the head cap or the read timeout.)
    assert via_h1(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", [], True) == (None, None, b"", False)
