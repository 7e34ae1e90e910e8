"""The only layer that does I/O (``sync_http``, ``async_http``), plus the pure framing decoders."""
