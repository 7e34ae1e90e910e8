"""``Script(refusal=...)`` on the Anthropic emulator: the Messages API's refusal (no content,
``stop_reason: "refusal"``, the words as ``stop_details.explanation``), streamed and not, reaches
``Completion.refusal`` and, under ``response_format``, RefusalError, sync and async."""

from __future__ import annotations

from typing import Any

import _fidelity_replay as R
import pytest

from llmkit.emulator import Emulator, Script
from llmkit.errors import RefusalError
from llmkit.types import FinishReason, RefusalDelta, TextDelta

MODEL = "anthropic/claude-sonnet-4-5"
WORDS = "I can't help with that request."
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _kw(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("anthropic"), "api_key": emu.api_key, "max_retries": 0}


def test_scripted_refusal_is_the_messages_api_shape(mode: str, emu: Emulator) -> None:
    emu.script(Script(refusal=WORDS))
    c = R.complete(mode, MODEL, **_kw(emu))
    assert c.raw["content"] == [] and c.raw["stop_reason"] == "refusal"
    assert c.raw["stop_details"] == {"type": "refusal", "category": None, "explanation": WORDS}
    assert (c.refusal, c.text) == (WORDS, "")
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.CONTENT_FILTER, "refusal")


def test_scripted_refusal_streams(mode: str, emu: Emulator) -> None:
    emu.script(Script(refusal=WORDS, extra={"refusal_category": "cyber"}))
    events, c = R.stream(mode, MODEL, **_kw(emu))
    assert [e.text for e in events if isinstance(e, RefusalDelta)] == [WORDS]
    assert not [e for e in events if isinstance(e, TextDelta)]
    assert (c.refusal, c.text, c.finish_reason) == (WORDS, "", FinishReason.CONTENT_FILTER)


def test_an_empty_refusal_is_still_a_refusal(mode: str, emu: Emulator) -> None:
    emu.script(Script(refusal=""))
    c = R.complete(mode, MODEL, **_kw(emu))
    assert c.raw["stop_details"]["explanation"] is None
    assert (c.refusal, c.finish_reason) == ("", FinishReason.CONTENT_FILTER)


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
def test_scripted_refusal_under_response_format_raises(mode: str, stream: bool, emu: Emulator) -> None:
    emu.script(Script(refusal=WORDS))
    with pytest.raises(RefusalError) as info:
        if stream:
            R.stream(mode, MODEL, response_format=SCHEMA, **_kw(emu))
        else:
            R.complete(mode, MODEL, response_format=SCHEMA, **_kw(emu))
    assert info.value.refusal == WORDS and WORDS in str(info.value)
    assert info.value.completion is not None and info.value.completion.refusal == WORDS
    assert info.value.__cause__ is None


def test_no_refusal_has_no_stop_details(mode: str, emu: Emulator) -> None:
    emu.script(Script(json={"city": "Paris"}))
    c = R.complete(mode, MODEL, response_format=SCHEMA, **_kw(emu))
    assert "stop_details" not in c.raw and c.refusal is None
    assert c.parsed == {"city": "Paris"}
