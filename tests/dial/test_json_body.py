"""``json_or_raise`` (every dialect's JSON read of a successful body, with its short way for a
plain UTF-8 object) against ``json.loads`` of the bytes, what it was before the short way: the
same value or the same typed error for every body, the ones the short way skips included.
Bodies from the dial slice (anthropic-like) and the aws slice (Converse-like), issue 17."""

from __future__ import annotations

import codecs
import json
from typing import Any

import pytest

from llmkit.dialects._errors import json_or_raise
from llmkit.errors import ResponseDecodeError

DOC = {"id": "m1", "content": [{"type": "text", "text": "h\u00e9llo \u2603 \U0001f600"}], "n": [1, 2.5, None]}
TEXT = json.dumps(DOC, ensure_ascii=False)

CONVERSE = '{"output":{"message":{"content":[{"text":"h\\u00e9 \u00e9 \u2603"}]}},"n":[1,2.5,null,true]}'

BODIES: list[bytes] = [
    json.dumps(DOC).encode(),
    TEXT.encode("utf-8"),
    b'{"a": 1}  \n',  # trailing whitespace
    b'{"a": 1} {"b": 2}',  # extra data
    b'{"a": 1',  # cut short
    b"{}",
    b"{",
    b"{\x00}\x00",  # UTF-16-LE by json's sniffing: '{}'
    b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate: surrogatepass reads it
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": "\x01"}',  # a raw control character
    b'{"a": NaN, "b": Infinity}',
    codecs.BOM_UTF8 + b'{"a": 1}',
    codecs.BOM_UTF16_LE + '{"a": 1}'.encode("utf-16-le"),
    '{"a": 1}'.encode("utf-16-be"),
    '{"a": 1}'.encode("utf-32-le"),
    b'  {"a": 1}',
    b'[{"a": 1}]',
    b'"text"',
    b"",
    b"null",
    b"{" * 100_000 + b"}" * 100_000,  # nested past the recursion limit
    CONVERSE.encode(),
    b" \n" + CONVERSE.encode() + b"\r\n",  # whitespace around the value
    codecs.BOM_UTF8 + CONVERSE.encode(),
    CONVERSE.encode("utf-16"),
    CONVERSE.encode("utf-16-le"),
    CONVERSE.encode("utf-16-be"),
    CONVERSE.encode("utf-32"),
    CONVERSE.encode("utf-32-le"),
    b"1",
    b"1\x00",
    b'"a\x00b"',
    b"\x00\x00\x001",
    b"[1] [2]",
    b"\xff\xfe{}",
    b"\xc3(",  # not UTF-8
    b'"\xed\xa0\x80"',  # a lone surrogate in UTF-8
    b"NaN",
    b"[" * 100_000 + b"]" * 100_000,  # nested too deep
]


def _reference(body: bytes, what: str, provider: str) -> Any:
    """json_or_raise as it was before its short way: json.loads of the bytes, or the typed error."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        pass
    raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=body)


def _outcome(fn: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", fn(body, "message", "anthropic")
    except ResponseDecodeError as exc:
        return "error", (str(exc), exc.provider, exc.__cause__, exc.__context__)


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_json_or_raise_is_json_loads(body: bytes) -> None:
    got, want = _outcome(json_or_raise, body), _outcome(_reference, body)
    assert got == want
    if got[0] == "value":
        assert type(got[1]) is type(want[1])


def test_short_way_taken_for_a_plain_body() -> None:
    body = TEXT.encode("utf-8")
    assert json_or_raise(body, "message", "anthropic") == DOC == json.loads(body)


def test_error_carries_no_decoder_context() -> None:
    # The JSONDecodeError holds the whole body in .doc: it must not ride along on the typed error.
    with pytest.raises(ResponseDecodeError) as info:
        json_or_raise(b'{"secret": "sk-live-1234567890abcdef"', "message", "anthropic")
    assert info.value.__context__ is None and info.value.__cause__ is None
