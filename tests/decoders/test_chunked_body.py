"""Issue 17 (sync streams): the chunked body cut by ``framing.chunked`` (``transport.h11_body``)
yields exactly what httpcore2/h11 yield on the same reads: the same pieces in the same order, the
same error (type and words), and the connection left in the same state (pooled or closed, the
same bytes past the body)."""

from __future__ import annotations

import itertools
import types
from typing import Any

import httpcore2
import pytest
from httpx2._transports.default import map_httpcore_exceptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmkit.framing.chunked import ChunkedBody
from llmkit.transport.h11_body import body_of

HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"


class _Reads(httpcore2.NetworkStream):
    """A connection that hands back the given reads in order, then end of file."""

    def __init__(self, reads: list[bytes]) -> None:
        self.reads = list(reads)
        self.closed = False

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if not self.reads:
            return b""
        data = self.reads.pop(0)
        if len(data) > max_bytes:
            data, rest = data[:max_bytes], data[max_bytes:]
            self.reads.insert(0, rest)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _run(reads: list[bytes], fast: bool) -> tuple[list[bytes], Any, Any]:
    conn = httpcore2.HTTP11Connection(httpcore2.Origin(b"http", b"x", 80), _Reads(reads))
    req = httpcore2.Request(
        "GET", "http://x/", headers=[(b"Host", b"x")], extensions={"timeout": {"read": 5.0}}
    )
    resp = conn.handle_request(req)
    stream: Any = resp.stream
    pieces: list[bytes] = []
    error = None
    try:
        with map_httpcore_exceptions():
            if fast:
                body = body_of(types.SimpleNamespace(stream=stream))  # type: ignore[arg-type]
                assert body is not None
            else:
                body = iter(stream)
            for piece in body:
                pieces.append(piece)
    except Exception as exc:
        error = (type(exc), str(exc))
    trailing = conn._h11_state.trailing_data if error is None else None
    stream.close()
    return pieces, error, (conn.is_idle(), conn.is_closed(), trailing)


def _wire(chunks: list[bytes], sizes: list[str], tail: bytes) -> bytes:
    out = [HEAD]
    for data, size in zip(chunks, sizes, strict=True):
        out.append(size.encode() + b"\r\n" + data + b"\r\n")
    out.append(tail)
    return b"".join(out)


def _cut(wire: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cuts} | {0, len(wire)})
    return [wire[a:b] for a, b in itertools.pairwise(points) if b > a]


def _same(reads: list[bytes]) -> None:
    slow = _run(reads, fast=False)
    fast = _run(reads, fast=True)
    assert fast == slow


_SIZE_STYLES = st.sampled_from(["lower", "upper", "zeros", "ext", "space"])
_TAILS = [
    b"0\r\n\r\n",
    b"0\r\nX-Trailer: 1\r\n\r\n",
    b"000;ext\r\n\r\n",
    b"0\r\n\r\nHTTP/1.1 200 OK\r\n",  # bytes past the body
    b"0\r\n",  # cut off in the trailers
    b"",  # cut off between chunks
    b"zz\r\n",  # an illegal size line
    b"5\r\nab",  # cut off inside a chunk
    b"2\r\nabXY0\r\n\r\n",  # a malformed chunk footer
    b"2\r\nab\rY",
    b"1" * 30,  # a size line too long for the cutter
]


def _size(n: int, style: str) -> str:
    return {
        "lower": f"{n:x}",
        "upper": f"{n:X}",
        "zeros": f"{n:06x}",
        "ext": f"{n:x};name=value",
        "space": f"{n:x} ",
    }[style]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunks=st.lists(st.binary(min_size=1, max_size=40), max_size=12),
    styles=st.lists(_SIZE_STYLES, min_size=12, max_size=12),
    plain=st.booleans(),
    tail=st.sampled_from(_TAILS),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
)
def test_same_pieces_errors_and_state_as_h11(
    chunks: list[bytes], styles: list[str], plain: bool, tail: bytes, cuts: list[int]
) -> None:
    sizes = [_size(len(c), "lower" if plain else s) for c, s in zip(chunks, styles, strict=False)]
    _same(_cut(_wire(chunks, sizes, tail), cuts))


@pytest.mark.parametrize("per_read", [1, 2, 3, 7, 64, 65536])
@pytest.mark.parametrize("tail", _TAILS, ids=range(len(_TAILS)))
def test_every_read_size(per_read: int, tail: bytes) -> None:
    chunks = [b"data: {}\n\n", b"x" * 300, b"\r\n\r\n", b"0\r\n"]
    wire = _wire(chunks, [f"{len(c):x}" for c in chunks], tail)
    _same([wire[i : i + per_read] for i in range(0, len(wire), per_read)])


def test_headers_and_body_in_one_read() -> None:
    chunks = [b"a" * n for n in range(1, 30)]
    _same([_wire(chunks, [f"{len(c):x}" for c in chunks], b"0\r\n\r\n")])


def test_cutter_hands_off_at_the_last_chunk() -> None:
    cut = ChunkedBody()
    assert cut.feed(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == [b"abc", b"de"]
    assert cut.handoff == b"0\r\n\r\n"


def test_cutter_keeps_a_partial_size_line() -> None:
    cut = ChunkedBody()
    assert cut.feed(b"1") == []
    assert cut.pending == b"1" and cut.at_boundary
    assert cut.feed(b"0\r\n" + b"x" * 10) == [b"x" * 10]
    assert not cut.at_boundary
    assert cut.feed(b"y" * 6 + b"\r") == [b"y" * 6]
    assert cut.feed(b"X") == []
    assert cut.error == "malformed chunk footer: bytearray(b'X') (expected b'\\n')"


def test_other_bodies_take_the_usual_way() -> None:
    # A Content-Length body: h11's reader is not the chunked one, so body_of declines.
    reads = [b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"]
    conn = httpcore2.HTTP11Connection(httpcore2.Origin(b"http", b"x", 80), _Reads(reads))
    resp = conn.handle_request(httpcore2.Request("GET", "http://x/", headers=[(b"Host", b"x")]))
    assert body_of(types.SimpleNamespace(stream=resp.stream)) is None  # type: ignore[arg-type]
    resp.close()


@pytest.mark.parametrize("per_read", [5, 64, 1000, 4093, 65536])
def test_the_cutter_takes_the_plain_chunks(per_read: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever arrived with the headers, h11 reads only up to the first clean boundary.
    import llmkit.transport.h11_body as h11_body

    cut: list[bytes] = []

    class Counted(ChunkedBody):
        def feed(self, data: bytes) -> list[bytes]:
            pieces = super().feed(data)
            cut.extend(pieces)
            return pieces

    monkeypatch.setattr(h11_body, "ChunkedBody", Counted)
    chunks = [b"data: %d\n\n" % i for i in range(200)]
    wire = _wire(chunks, [f"{len(c):x}" for c in chunks], b"0\r\n\r\n")
    pieces, error, _ = _run([wire[i : i + per_read] for i in range(0, len(wire), per_read)], fast=True)
    assert error is None and b"".join(pieces) == b"".join(chunks)
    assert len(b"".join(cut)) > len(b"".join(chunks)) - per_read - 20


def test_the_installed_h11_and_httpcore2_have_what_the_cutter_reads() -> None:
    # Otherwise the short way is off everywhere and every test above passes for nothing.
    import llmkit.transport.h11_body as h11_body

    assert h11_body._KNOWN


def test_internals_not_as_known_take_the_usual_way(monkeypatch: pytest.MonkeyPatch) -> None:
    # A release that renamed a private name h11_body reads: body_of declines (the caller then
    # iterates the response as before) rather than failing mid-stream with an AttributeError.
    import llmkit.transport.h11_body as h11_body

    monkeypatch.setattr(h11_body, "_KNOWN", False)
    chunks = [b"data: %d\n\n" % i for i in range(3)]
    wire = _wire(chunks, [f"{len(c):x}" for c in chunks], b"0\r\n\r\n")
    conn = httpcore2.HTTP11Connection(httpcore2.Origin(b"http", b"x", 80), _Reads([wire]))
    resp = conn.handle_request(httpcore2.Request("GET", "http://x/", headers=[(b"Host", b"x")]))
    assert body_of(types.SimpleNamespace(stream=resp.stream)) is None  # type: ignore[arg-type]
    assert b"".join(resp.stream) == b"".join(chunks)  # type: ignore[arg-type]
    resp.close()
