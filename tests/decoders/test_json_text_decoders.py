"""Issue 17 (sync streams): the OpenAI chat stream decoder and the NDJSON lines decode with
``framing.json_text.loads`` (the scanner alone) where they used ``JSONDecoder().decode``; the two
give the same value, or both refuse the text (a ``ValueError``: both decoders turn it into the
same typed error, whatever its words)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit.framing import json_text

_decode = json.JSONDecoder().decode

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


def _outcome(decode: Any, text: str) -> Any:
    try:
        return ("value", decode(text))
    except ValueError:
        return ("refused",)
    except RecursionError:
        return ("too deep",)


ODD = [
    "",
    " ",
    "{}",
    " {}",
    "{} ",
    "\ufeff{}",
    "{",
    "}",
    "[1,]",
    "nan",
    "NaN",
    "1 2",
    "{}{}",
    '"\\ud800"',
    "\t[1]\n",
    "[" * 100_000,
    '{"a": 1}x',
    "\x00",
    "1e999",
    "-0",
    '"\x01"',
]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_texts(text: str) -> None:
    assert _outcome(json_text.loads, text) == _outcome(_decode, text)


@settings(max_examples=500, deadline=None)
@given(
    value=_JSON,
    before=st.sampled_from(["", " ", "\n", "x"]),
    after=st.sampled_from(["", " ", "\r", "]", "0"]),
)
def test_documents(value: Any, before: str, after: str) -> None:
    text = before + json.dumps(value) + after
    assert repr(_outcome(json_text.loads, text)) == repr(_outcome(_decode, text))


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=30))
def test_any_text(text: str) -> None:
    assert repr(_outcome(json_text.loads, text)) == repr(_outcome(_decode, text))
