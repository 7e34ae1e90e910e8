"""Issue 17: the Converse answer is read as UTF-8 text first (``dialects._json_body.loads_body``,
shared with the other dialects); every body must end exactly as ``json_or_raise`` (``json.loads``
of the bytes) ends it: the same value, or the same typed error."""

from __future__ import annotations

import codecs
import json
from typing import Any

import pytest

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects._json_body import loads_body as json_body
from llmkit.errors import ResponseDecodeError

DOC = '{"output":{"message":{"content":[{"text":"h\\u00e9 \u00e9 \u2603"}]}},"n":[1,2.5,null,true]}'
BODIES = [
    DOC.encode(),
    b" \n" + DOC.encode() + b"\r\n",  # whitespace around the value
    codecs.BOM_UTF8 + DOC.encode(),
    DOC.encode("utf-16"),
    DOC.encode("utf-16-le"),
    DOC.encode("utf-16-be"),
    DOC.encode("utf-32"),
    DOC.encode("utf-32-le"),
    b"1",
    b"1\x00",
    b'"a\x00b"',
    b"\x00\x00\x001",
    b"",
    b"{",
    b"[1] [2]",
    b"\xff\xfe{}",
    b"\xc3(",  # not UTF-8
    b'"\xed\xa0\x80"',  # a lone surrogate in UTF-8
    b"NaN",
    b"[" * 100_000 + b"]" * 100_000,  # nested too deep
]


def _outcome(read: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", read(body, "Converse", "bedrock")
    except ResponseDecodeError as exc:
        return "error", (type(exc), str(exc))


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_json_body_ends_as_json_or_raise(body: bytes) -> None:
    got = _outcome(json_body, body)
    assert got == _outcome(json_or_raise, body)
    if got[0] == "value":
        assert json.dumps(got[1]) == json.dumps(json.loads(body))
