"""framing.multipart against two parsers nobody here wrote: python-multipart (what Starlette and
FastAPI parse uploads with) and the stdlib ``email`` MIME parser."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmkit.emulator import _images
from llmkit.framing.multipart import FilePart, FormField, Part, encode

python_multipart = pytest.importorskip("python_multipart")


def parse_with_python_multipart(body: bytes, content_type: str) -> list[tuple[str, Any]]:
    """Every part in order: (name, text) for a field, (name, (filename, content_type, bytes))."""
    boundary = content_type.split("boundary=", 1)[1]
    out: list[tuple[str, Any]] = []
    cur: dict[str, Any] = {}

    def on_part_begin() -> None:
        cur.clear()
        cur.update(headers={}, data=bytearray(), field=b"", value=b"")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        cur["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        cur["value"] += data[start:end]

    def on_header_end() -> None:
        cur["headers"][cur["field"].decode().lower()] = cur["value"].decode()
        cur["field"], cur["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        cur["data"] += data[start:end]

    def on_part_end() -> None:
        _, params = python_multipart.multipart.parse_options_header(cur["headers"]["content-disposition"])
        name = params[b"name"].decode()
        if b"filename" in params:
            out.append(
                (name, (params[b"filename"].decode(), cur["headers"]["content-type"], bytes(cur["data"])))
            )
        else:
            out.append((name, bytes(cur["data"]).decode()))

    parser = python_multipart.MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    assert parser.write(body) == len(body)
    parser.finalize()
    return out


def parse_with_email(body: bytes, content_type: str) -> list[tuple[str, Any]]:
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert msg.is_multipart() and not msg.defects
    out: list[tuple[str, Any]] = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if filename is None:
            out.append((name, payload.decode()))
        else:
            out.append((name, (filename, part.get_content_type(), payload)))
    return out


PARTS: list[Part] = [
    FormField("prompt", "a red fox, in the snow — ünïcode"),
    FormField("n", "2"),
    FilePart("image[]", _images.PNG, "fox.png", "image/png"),
    FilePart("image[]", _images.JPEG, "b.jpeg", "image/jpeg"),
    FormField("size", "1024x1024"),
]
EXPECTED = [
    ("prompt", "a red fox, in the snow — ünïcode"),
    ("n", "2"),
    ("image[]", ("fox.png", "image/png", _images.PNG)),
    ("image[]", ("b.jpeg", "image/jpeg", _images.JPEG)),
    ("size", "1024x1024"),
]


def test_fields_and_files_in_order_python_multipart() -> None:
    body, ctype = encode(PARTS)
    assert ctype.startswith("multipart/form-data; boundary=")
    assert parse_with_python_multipart(body, ctype) == EXPECTED


def test_fields_and_files_in_order_email_parser() -> None:
    body, ctype = encode(PARTS)
    assert parse_with_email(body, ctype) == EXPECTED


def test_boundary_is_random_per_body() -> None:
    assert encode(PARTS)[1] != encode(PARTS)[1]


def test_a_value_cannot_add_a_header_or_part() -> None:
    evil = 'x"; filename="evil.sh"\r\nContent-Type: text/x-sh\r\n\r\n'
    body, ctype = encode([FormField(evil, "v"), FilePart("f", b"data", 'a"\r\nX-Evil: 1.png', "image/png")])
    parsed = parse_with_python_multipart(body, ctype)
    assert [name for name, _ in parsed] == [
        "x%22; filename=%22evil.sh%22%0D%0AContent-Type: text/x-sh%0D%0A%0D%0A",
        "f",
    ]
    assert parsed[1][1] == ("a%22%0D%0AX-Evil: 1.png", "image/png", b"data")
    with pytest.raises(ValueError):
        encode([FilePart("f", b"d", "a.png", "image/png\r\nX: 1")])


def test_a_given_boundary_inside_a_part_is_refused() -> None:
    with pytest.raises(ValueError):
        encode([FormField("a", "--xyz--")], boundary="xyz")


@given(
    st.lists(
        st.tuples(
            # Field names are ASCII on every API; values and file bytes are anything.
            st.text(
                st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters='"\\'), min_size=1
            ),
            st.one_of(st.text(st.characters(blacklist_categories=("Cs",))), st.binary()),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_parts_round_trip(items: list[tuple[str, str | bytes]]) -> None:
    parts: list[Part] = [
        FormField(name, v) if isinstance(v, str) else FilePart(name, v, "f.bin") for name, v in items
    ]
    body, ctype = encode(parts)
    got = parse_with_python_multipart(body, ctype)
    want = [(n, v if isinstance(v, str) else ("f.bin", "application/octet-stream", v)) for n, v in items]
    assert got == want
