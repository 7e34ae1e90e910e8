"""MiniMax reports failures inside HTTP 200 answers (``base_resp.status_code`` non-zero; for a
streamed request, one JSON object instead of an event stream). Each is a typed error over loopback,
retried when the code means "retry later". Codes: MiniMax's published table,
https://platform.minimax.io/docs/api-reference/errorcode.md (1002 rate limit, 1004/2049 key,
1008 balance, 1026/1027 sensitive content, 2013 invalid params, 1000/1024 server)."""

from __future__ import annotations

import pytest

import llmkit
from llmkit import errors
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.providers import _minimax, get_spec
from llmkit.types import Message

KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the emulator's key (tests/conftest.py)
# The body MiniMax sends for an RPM rate limit, HTTP 200 and application/json even for a stream
# (as its docs' table names code 1002; the same bytes are quoted from live traffic by users).
RPM_BODY = b'{"base_resp":{"status_code":1002,"status_msg":"rate limit exceeded(RPM)"}}'


def _complete(emu: Emulator, retries: int = 0) -> llmkit.Completion:
    with llmkit.Client(max_retries=retries) as c:
        return c.complete("minimax/MiniMax-M2", "Hi", api_key=KEY, base_url=emu.base_url("minimax"))


def test_rate_limit_in_a_200_is_rate_limit_error(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "rate limit exceeded(RPM)")))
    with pytest.raises(errors.RateLimitError) as info:
        _complete(emu)
    err = info.value
    assert err.status_code == 429 and err.error_code == "1002"
    assert "rate limit exceeded(RPM)" in str(err) and KEY not in str(err)
    assert err.retryable is not False


def test_rate_limit_in_a_200_is_retried(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "rate limit exceeded(RPM)")), Script(text="hello"))
    assert _complete(emu, retries=1).text == "hello"
    assert len(emu.requests) == 2


@pytest.mark.parametrize(
    ("code", "cls", "retried"),
    [
        ("1004", errors.AuthenticationError, False),
        ("2049", errors.AuthenticationError, False),
        ("1008", errors.RateLimitError, False),  # insufficient balance: waiting does not clear it
        ("2056", errors.RateLimitError, False),  # usage window exhausted
        ("1026", errors.ContentFilteredError, False),
        ("1027", errors.ContentFilteredError, False),
        ("2013", errors.BadRequestError, False),
        ("1000", errors.ServerError, True),
        ("1024", errors.ServerError, True),
        ("1039", errors.RateLimitError, True),
    ],
)
def test_each_code_is_its_typed_error(emu: Emulator, code: str, cls: type[Exception], retried: bool) -> None:
    emu.script(Script(error=ScriptedError(400, f"code {code}", code=code)), Script(text="again"))
    if retried:
        assert _complete(emu, retries=1).text == "again"
        return
    with pytest.raises(cls) as info:
        _complete(emu, retries=1)
    assert info.value.error_code == code  # type: ignore[attr-defined]
    assert len(emu.requests) == 1


def test_stream_answered_with_json_is_typed(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "rate limit exceeded(RPM)")))
    with llmkit.Client(max_retries=0) as c:
        with pytest.raises(errors.RateLimitError) as info:
            with c.stream("minimax/MiniMax-M2", "Hi", api_key=KEY, base_url=emu.base_url("minimax")) as s:
                list(s)
    assert info.value.error_code == "1002"


def _decoder(name: str = "minimax") -> object:
    ctx = CallContext(get_spec(name), "m", "https://provider.invalid/v1")
    return DIALECT.stream_decoder(ChatRequest("m", [Message("user", "Hi")], stream=True), ctx)


def test_decoder_reads_the_recorded_body_split_across_reads() -> None:
    dec = _decoder()
    for i in range(0, len(RPM_BODY), 7):
        assert dec.feed(RPM_BODY[i : i + 7]) == []  # type: ignore[attr-defined]
    with pytest.raises(errors.RateLimitError):
        dec.done  # type: ignore[attr-defined]  # noqa: B018


def test_base_resp_event_after_text_keeps_the_text() -> None:
    dec = _decoder()
    ok = b'data: {"id":"a","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
    bad = b'data: {"id":"a","choices":null,"base_resp":{"status_code":1000,"status_msg":"unknown error"}}\n\n'
    events = dec.feed(ok + bad)  # type: ignore[attr-defined]
    assert [getattr(e, "text", None) for e in events] == ["Hel"]
    assert isinstance(dec.error, errors.ServerError)  # type: ignore[attr-defined]


def test_other_rows_ignore_base_resp_but_type_a_json_error_body() -> None:
    dec = _decoder("openai")
    dec.feed(b'{"error":{"message":"overloaded","type":"server_error"}}')  # type: ignore[attr-defined]
    with pytest.raises(errors.ServerError):
        dec.done  # type: ignore[attr-defined]  # noqa: B018
    assert _minimax.in_body_status({"base_resp": {"status_code": 0, "status_msg": "success"}}) is None
    assert _minimax.in_body_status({"base_resp": {"status_code": 987654}}) == 400
