"""``loads_body`` (the chat parsers' JSON read) against ``json_or_raise``: the same value or the
same typed error for every body, the ones its short way skips included."""

from __future__ import annotations

import codecs
import json
from typing import Any

import pytest

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects._json_body import loads_body
from llmkit.errors import ResponseDecodeError

DOC = {"id": "m1", "content": [{"type": "text", "text": "h\u00e9llo \u2603 \U0001f600"}], "n": [1, 2.5, None]}
TEXT = json.dumps(DOC, ensure_ascii=False)

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
]


def _outcome(fn: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", fn(body, "message", "anthropic")
    except ResponseDecodeError as exc:
        return "error", (str(exc), exc.provider, exc.__cause__, exc.__context__)


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_loads_body_is_json_or_raise(body: bytes) -> None:
    got, want = _outcome(loads_body, body), _outcome(json_or_raise, body)
    assert got == want
    if got[0] == "value":
        assert type(got[1]) is type(want[1])


def test_short_way_taken_for_a_plain_body() -> None:
    body = TEXT.encode("utf-8")
    assert loads_body(body, "message", "anthropic") == DOC == json.loads(body)


def test_error_carries_no_decoder_context() -> None:
    # The JSONDecodeError holds the whole body in .doc: it must not ride along on the typed error.
    with pytest.raises(ResponseDecodeError) as info:
        loads_body(b'{"secret": "sk-live-1234567890abcdef"', "message", "anthropic")
    assert info.value.__context__ is None and info.value.__cause__ is None
