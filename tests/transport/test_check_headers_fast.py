"""``check_headers``' short way (C string tests for values, a set of name sets seen valid) against
the two patterns it stands in for: the same headers pass, the same fail, with the same error."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit.errors import ConfigurationError
from llmkit.framing import fields
from llmkit.framing.fields import check_headers

_NAME = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
_VALUE = re.compile(r"[^\t\x20-\x7e]")


def _by_patterns(headers: dict[str, str]) -> str | None:
    """The rule as the patterns state it: which kind of header fails first, or None."""
    names, values = "".join(headers), "".join(headers.values())
    if _NAME.search(names) is None and _VALUE.search(values) is None:
        return None
    for name, value in headers.items():
        if not name or _NAME.search(name):
            return "name"
        if _VALUE.search(value):
            return "value"
    return None


def _outcome(headers: dict[str, str]) -> str | None:
    try:
        check_headers(headers)
    except ConfigurationError as exc:
        return "name" if str(exc).startswith("header name") else "value"
    return None


def test_every_character_alone_as_a_value_and_as_a_name() -> None:
    # Each code point below 0x180 (all of ASCII, Latin-1, a few beyond) and a few far ones, in a
    # value and in a name, checked twice (the second time the name set may come from the memo).
    points = [*range(0x180), 0x2028, 0xFEFF, 0x1F600]
    for cp in points:
        ch = chr(cp)
        for _ in range(2):
            assert _outcome({"x-a": "v" + ch}) == _by_patterns({"x-a": "v" + ch}), cp
            assert _outcome({"x" + ch: "v"}) == _by_patterns({"x" + ch: "v"}), cp


_text = st.text(alphabet=st.characters(max_codepoint=0x200), max_size=12)
_token = st.text(alphabet="abcXYZ-_09!#\t :\r\n\x00é", max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.one_of(_token, _text), st.one_of(_token, _text), max_size=5))
def test_the_same_verdict_as_the_patterns(headers: dict[str, str]) -> None:
    for _ in range(2):  # the second call may take the memo
        assert _outcome(headers) == _by_patterns(headers)


def test_the_memo_holds_names_only_and_stays_bounded() -> None:
    check_headers({"authorization": "Bearer sk-secret-value", "x-one": "1"})
    assert all("sk-secret" not in n for n in fields._GOOD_NAMES)
    for i in range(600):
        check_headers({f"x-h{i}": "v"})
    assert len(fields._GOOD_NAMES) <= 256
    with pytest.raises(ConfigurationError):  # a known name set with a bad value still fails
        check_headers({"authorization": "Bearer sk\n", "x-one": "1"})
