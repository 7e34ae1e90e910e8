"""Script faults that look the same in every wire format: what is answered instead of an answer,
and where a stream breaks off. The bytes of a broken event stay with each handler's format."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Reply

# Faults that change a stream's events from ``Script.after`` on (``cut`` drops the connection instead).
STREAM_FAULTS = ("no_terminator", "malformed", "stream_error")


def early_reply(
    script: Script, error_reply: Callable[[ScriptedError], Reply], html: bytes | None = None
) -> Reply | None:
    """The reply that replaces an answer: a scripted error (unless it belongs inside a stream), a
    dropped connection, or, where the format has a gateway in front of it, that gateway's HTML page."""
    if script.error is not None and script.fault != "stream_error":
        reply = error_reply(script.error)
        reply.delay = script.delay
        return reply
    if script.fault == "disconnect":
        return Reply(disconnect=True, delay=script.delay)
    if script.fault == "html_error" and html is not None:
        status = script.error.status if script.error else 502
        return Reply(status, {"content-type": "text/html"}, html)
    return None


def break_stream(
    events: Iterable[bytes],
    script: Script,
    malformed: Callable[[bytes], bytes],
    error: Callable[[], Iterable[bytes]],
) -> Iterator[bytes]:
    """``events`` until event number ``script.after``, which the script's stream fault replaces:
    nothing (``no_terminator``), a corrupt copy of it (``malformed``) or the format's error event."""
    for i, event in enumerate(events):
        if i == script.after:
            if script.fault == "malformed":
                yield malformed(event)
            elif script.fault == "stream_error":
                yield from error()
            return
        yield event


def stream_reply(script: Script, headers: dict[str, str], chunks: Iterable[bytes]) -> Reply:
    """A 200 stream paced as the script asks, cut off after ``script.after`` chunks on a ``cut`` fault."""
    return Reply(
        200,
        headers,
        chunks=chunks,
        delay=script.delay,
        chunk_delay=script.chunk_delay,
        cut_after=script.after if script.fault == "cut" else None,
    )
