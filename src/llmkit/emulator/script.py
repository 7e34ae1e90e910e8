"""What a test (or a demo) wants the emulator to answer next, independent of wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Fault = Literal[
    "cut",  # drop the connection mid-stream (after ``after`` events)
    "no_terminator",  # end the stream cleanly but early, without the format's final event
    "malformed",  # send an event whose data is not valid JSON
    "stream_error",  # send the format's in-stream error event (``error`` describes it)
    "disconnect",  # close the connection without any response
    "html_error",  # a gateway's HTML error page (status from ``error.status`` or 502)
]


@dataclass(slots=True)
class ScriptedCall:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)  # a str is sent verbatim (even if invalid)
    id: str | None = None


@dataclass(slots=True)
class ScriptedError:
    status: int
    message: str = "scripted error"
    type: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    param: str | None = None  # the offending request parameter, where the format reports one


@dataclass(slots=True)
class Script:
    text: str | None = None
    tool_calls: list[ScriptedCall] | None = None
    reasoning: str | None = None
    # A structured-output answer, serialised as the text.
    json: Any = None
    # The model declines: OpenAI-style handlers answer with ``message.refusal`` (streamed as
    # ``delta.refusal``) and no content, finish_reason "stop"; Anthropic-style ones with no content,
    # ``stop_reason: "refusal"`` and the words as ``stop_details.explanation``.
    refusal: str | None = None
    # Neutral finish reason (stop, length, tool_calls, content_filter); the handler maps it to its wire value.
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    error: ScriptedError | None = None
    fault: Fault | None = None
    after: int = 2  # events before the fault
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between stream chunks (a slow drip)
    # Stream shaping: characters per text delta (0: one word per delta), or a total number of deltas.
    chunk_chars: int = 0
    n_chunks: int | None = None
    # Only consumed by a request whose path contains this.
    match: str | None = None
    # Free-form extras a handler understands (e.g. citations for Perplexity-like profiles).
    extra: dict[str, Any] = field(default_factory=dict)
