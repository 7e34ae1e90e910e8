"""A client's resolution cache (``Settings.resolve``) for calls that pass options.

A call with simple option values (str, int, bool, None) and string extra headers reuses the
resolution an earlier identical call made; the type of each value is part of the key (True and 1
are sent differently); containers and floats are resolved afresh each time, and so is a call whose
option makes the auth read something outside the call (a credentials file), unless the auth
factory declares the option pure (Vertex's ``access_token``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmkit.auth.google import vertex_auth
from llmkit.operations.settings import ClientOptions, Settings

VERTEX = "vertex_ai/gemini-2.5-pro"


def _twice(settings: Settings, model: str, headers: Any = None, **options: Any) -> bool:
    """Whether the second of two identical calls got the first one's resolution."""
    first = settings.resolve(model, None, None, headers, dict(options))
    second = settings.resolve(model, None, None, headers, dict(options))
    return first is second


def test_simple_options_and_extra_headers_reuse_the_resolution() -> None:
    s = Settings(ClientOptions(api_key="sk-test"))
    assert _twice(s, "openai/gpt-4o-mini")
    assert _twice(s, "openai/gpt-4o-mini", reasoning_effort="low")
    assert _twice(s, "openai/gpt-4o-mini", {"X-Trace": "1"})
    assert _twice(s, VERTEX, project="my-project-1", access_token="ya29.a")
    # Each distinct call has its own entry.
    a = s.resolve(VERTEX, None, None, None, {"project": "my-project-1", "access_token": "ya29.a"})
    b = s.resolve(VERTEX, None, None, None, {"project": "my-project-1", "access_token": "ya29.b"})
    assert a is not b and a.auth != b.auth


def test_the_type_of_a_value_is_part_of_the_key() -> None:
    s = Settings(ClientOptions(api_key="sk-test"))
    one = s.resolve("openai/gpt-4o-mini", None, None, None, {"parallel_tool_calls": 1})
    true = s.resolve("openai/gpt-4o-mini", None, None, None, {"parallel_tool_calls": True})
    assert one is not true
    assert type(true.options["parallel_tool_calls"]) is bool


def test_containers_and_floats_are_resolved_afresh() -> None:
    s = Settings(ClientOptions(api_key="sk-test"))
    assert not _twice(s, VERTEX, project="my-project-1", access_token="ya29.a", labels={"a": "b"})
    assert not _twice(s, "openai/gpt-4o-mini", top_p=0.5)
    assert not _twice(s, "openai/gpt-4o-mini", {"X-Trace": 1})


def test_an_option_the_auth_reads_a_file_for_is_resolved_afresh(tmp_path: Path) -> None:
    assert "credentials" in vertex_auth.options and "credentials" not in vertex_auth.pure_options
    key = tmp_path / "user.json"
    info = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    key.write_text(json.dumps(info))
    s = Settings(ClientOptions())
    assert not _twice(s, VERTEX, project="my-project-1", credentials=str(key))
    assert not s.resolved
