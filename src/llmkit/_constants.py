"""Every default in one place."""

from __future__ import annotations

DEFAULT_MAX_RETRIES = 2
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 600.0
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# A server asking us to wait longer than this gets no automatic retry; the caller
# sees RateLimitError.retry_after and can schedule it.
MAX_RETRY_AFTER = 60.0
MAX_CONNECTIONS = 1000
MAX_KEEPALIVE_CONNECTIONS = 100
# llmkit's own connections: one idle longer than this is closed rather than reused (servers drop
# idle keep-alive connections after 5-75 s; reusing one the server is closing fails the request).
IDLE_CONNECTION_S = 15.0
USER_AGENT = "llmkit/0.1"
# A response body (after decompression), a stream event or an event-stream frame past this is
# refused with ResponseTooLargeError instead of filling memory (Client(max_response_bytes=...)).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
