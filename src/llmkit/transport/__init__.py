"""The only layer that does I/O: ``sync_http`` (httpx2) and ``async_http`` (aiohttp).

It imports only the framing layer and the foundation, and only the clients import it, lazily.
"""
