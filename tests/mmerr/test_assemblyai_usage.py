"""AssemblyAI's documented LLM Gateway answer counts usage as input_tokens / output_tokens only
(tests/fixtures/assemblyai/docs_create_chat_completion.json.source.md): read through the row's
spec, and through the public API with the emulator replaying the bytes over loopback."""

from __future__ import annotations

from typing import Any

from tests.fleet.test_fixtures import decode

import llmkit


def test_documented_usage_names_are_read() -> None:
    c = decode("assemblyai", "docs_create_chat_completion.json", "m")
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (123, 123, 123)
    assert c.id == "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    assert c.tool_calls[0].name == "<string>"


def test_documented_answer_over_loopback(replay: dict[str, Any]) -> None:
    fixture = "assemblyai/docs_create_chat_completion.json"
    done = llmkit.complete("assemblyai/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert (done.usage.input_tokens, done.usage.output_tokens) == (123, 123)
    assert done.text == "<string>"
