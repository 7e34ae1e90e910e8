"""The only layer that does I/O: ``sync_http`` and ``async_http``, which send a request straight to
its server over llmkit's own HTTP/1.1 connections (``h1_sync``, ``h1_async``, framed by
``framing.h1``) and a proxied request, or one through a caller's ``http_client=``, with httpx2
(sync) or aiohttp (async).

It imports only the framing layer and the foundation, and only the clients import it, lazily.
"""
