"""Long-tail rows held against bodies their vendors printed (refs_h, issue 14): each fixture is
decoded through llmkit's OpenAI dialect with the row's own spec, then through the public API with
the emulator serving the bytes verbatim over loopback. The ``.source.md`` beside each fixture names
the page it was copied from."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES, decode, decode_error, usage

import llmkit
from llmkit import errors
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.types import FinishReason

# ---------------------------------------------------------------- Meta Model API (dev.meta.ai)


def test_meta_docs_chat_completion() -> None:
    c = decode("meta", "docs_chat_completion.json", "m")
    assert c.text == "Here are three key differences between TCP and UDP..."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (25, 19, 44)
    assert (c.id, c.model) == ("chatcmpl-abc123", "muse-spark-1.1")
    assert not c.tool_calls and not c.message.reasoning


def test_meta_docs_chat_completion_through_public_api(replay: dict[str, Any]) -> None:
    done = llmkit.complete(
        "meta/muse-spark-1.1", "Hi", extra_headers={"x-fixture": "meta/docs_chat_completion.json"}, **replay
    )
    assert (done.provider, done.text, done.id) == (
        "meta",
        "Here are three key differences between TCP and UDP...",
        "chatcmpl-abc123",
    )
    assert usage(done) == (25, 19, 44)
    assert done.finish_reason is FinishReason.STOP


# (fixture, status, class, type, code, retried?) per Meta's error-handling page.
META_ERRORS = [
    ("docs_error_400_top_p.json", 400, errors.BadRequestError, "invalid_request_error", None, False),
    (
        "docs_error_401.json",
        401,
        errors.AuthenticationError,
        "authentication_error",
        "invalid_api_key",
        False,
    ),
    ("docs_error_402.json", 402, errors.BadRequestError, "billing_error", "billing_not_configured", False),
    (
        "docs_error_404_model.json",
        404,
        errors.NotFoundError,
        "invalid_request_error",
        "model_not_found",
        False,
    ),
    ("docs_error_429.json", 429, errors.RateLimitError, "rate_limit_error", "rate_limit_exceeded", True),
    ("docs_error_503_overloaded.json", 503, errors.ServerError, "server_error", "service_overloaded", True),
    # "Do not simply retry": the same non-streaming request would run past the time limit again.
    ("docs_error_504.json", 504, errors.ServerError, "server_error", "gateway_timeout", False),
]


@pytest.mark.parametrize(("name", "status", "cls", "etype", "code", "retried"), META_ERRORS)
def test_meta_docs_error_bodies(
    name: str, status: int, cls: type, etype: str, code: str | None, retried: bool
) -> None:
    err = decode_error("meta", name, status, "application/json")
    assert type(err) is cls
    assert (err.status_code, err.error_type, err.error_code) == (status, etype, code)
    # Only the vendor-declared no-retry code vetoes the status-based retry decision.
    assert err.retryable is (False if code == "gateway_timeout" else None)


_ERROR_REPLAY = "refs_h_error_replay"
_SEEN: list[str] = []


def _error_replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the error fixture named in ``x-fixture`` at the status in ``x-status``."""
    fixture = req.headers["x-fixture"]
    _SEEN.append(fixture)
    provider, name = fixture.split("/", 1)
    data = (FIXTURES / provider / name).read_bytes()
    return Reply(int(req.headers["x-status"]), {"content-type": "application/json", "retry-after": "0"}, data)


@pytest.fixture
def error_replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    module = types.ModuleType("llmkit_tests_refs_h_error_replay")
    module.handle = _error_replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, _ERROR_REPLAY, Profile(_ERROR_REPLAY, f"{module.__name__}:handle"))
    _SEEN.clear()
    yield emu.base_url(_ERROR_REPLAY)


@pytest.mark.parametrize(("name", "status", "cls", "etype", "code", "retried"), META_ERRORS)
def test_meta_docs_errors_through_public_api(
    error_replay: str, name: str, status: int, cls: type, etype: str, code: str | None, retried: bool
) -> None:
    headers = {"x-fixture": f"meta/{name}", "x-status": str(status)}
    with pytest.raises(cls) as info:
        llmkit.complete(
            "meta/muse-spark-1.1", "Hi", base_url=error_replay, api_key="sk-replay-key-000000",
            max_retries=1, extra_headers=headers,
        )  # fmt: skip
    assert (info.value.provider, info.value.error_code) == ("meta", code)
    assert len(_SEEN) == (2 if retried else 1)


# ---------------------------------------------------------------- LiteLLM Proxy (BerriAI/litellm docs)


def test_litellm_proxy_docs_quick_start_completion() -> None:
    c = decode("litellm_proxy", "docs_quick_start_chat_completion.json", "m")
    assert c.text == "My name is **gpt-4o**! How can I assist you today?"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (28, 19, 47)
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (0, 0)
    assert (c.id, c.model) == ("chatcmpl-BcO8tRQmQV6Dfw6onqMufxPkLLkA8", "gpt-4o-2024-11-20")
    assert c.tool_calls == []  # "tool_calls": null is no tool call


def test_litellm_proxy_docs_quick_start_completion_through_public_api(replay: dict[str, Any]) -> None:
    fixture = "litellm_proxy/docs_quick_start_chat_completion.json"
    done = llmkit.complete("litellm_proxy/gpt-4o", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert (done.provider, done.id) == ("litellm_proxy", "chatcmpl-BcO8tRQmQV6Dfw6onqMufxPkLLkA8")
    assert done.text == "My name is **gpt-4o**! How can I assist you today?"
    assert usage(done) == (28, 19, 47)


def test_litellm_proxy_docs_rate_limit_reads_python_none_as_absent() -> None:
    err = decode_error("litellm_proxy", "docs_quick_start_rate_limit_429.json", 429, "application/json")
    assert type(err) is errors.RateLimitError
    assert err.error_type is None  # the proxy wrote "None", not a type named None
    assert err.error_code == "429"
    assert "LiteLLM Rate Limit Handler for rate limit type = key." in err.message


def test_litellm_proxy_docs_rate_limit_through_public_api(error_replay: str) -> None:
    headers = {"x-fixture": "litellm_proxy/docs_quick_start_rate_limit_429.json", "x-status": "429"}
    with pytest.raises(errors.RateLimitError) as info:
        llmkit.complete(
            "litellm_proxy/gpt-4o", "Hi", base_url=error_replay, api_key="sk-replay-key-000000",
            max_retries=1, extra_headers=headers,
        )  # fmt: skip
    assert (info.value.provider, info.value.error_type, info.value.error_code) == (
        "litellm_proxy",
        None,
        "429",
    )
    assert len(_SEEN) == 2  # a key's rpm window clears: retried once
