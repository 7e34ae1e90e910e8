"""The two drivers under ``Client`` and ``AsyncClient``: all of a call's I/O, and nothing else.

A call is an operation's pure preparation (``llmkit.operations``), then its ``send_flow`` run to
the response, then the operation's parser. Stepping the flow (send a result in, throw an error
in, take its return value) is ``advance``, written once; each driver holds only the lines that
send, sleep and run a blocking credential refresh: ``httpx2`` and ``time.sleep`` inline, or
``aiohttp``, ``asyncio.sleep`` and a worker thread.
"""

from __future__ import annotations

from llmkit._async_driver import AsyncDriver
from llmkit._driver_steps import advance, log_response
from llmkit._sync_driver import SyncDriver

# The drivers live beside this module (one each, and what they share in _driver_steps); the
# clients and their generated shells import them from here.
__all__ = ["AsyncDriver", "SyncDriver", "advance", "log_response"]
