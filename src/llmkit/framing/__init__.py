"""Pure framing: bytes on the wire in, messages out (and back), with no I/O and no provider.

``sse`` (Server-Sent Events), ``eventstream`` / ``eventstream_encode`` (AWS
``application/vnd.amazon.eventstream``), ``body`` (content codings and the size cap) and
``fields`` (HTTP header syntax). Dialects, transports and the emulator all build on this layer;
it imports nothing of llmkit but the foundation (``errors``).
"""
