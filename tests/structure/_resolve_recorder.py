"""A raw-socket HTTP/1.1 server on 127.0.0.1 that records each request head exactly as sent
(names in their case, duplicates kept), for the resolve slice's loopback tests.

Loaded by path (``load()`` in the tests): the suite runs with --import-mode=importlib, which puts
no test folder on sys.path.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any


class HeadRecorder:
    """Answers every request with one canned JSON body and keeps each raw request head."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = json.dumps(body).encode()
        self.heads: list[list[tuple[str, str]]] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/root"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as f:
            while f.readline():
                head: list[tuple[str, str]] = []
                while (line := f.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    head.append((name.strip(), value.strip()))
                self.heads.append(head)
                length = next((int(v) for k, v in head if k.lower() == "content-length"), 0)
                f.read(length)
                status = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                conn.sendall(status + b"Content-Length: %d\r\n\r\n" % len(self.body) + self.body)

    def close(self) -> None:
        self._sock.close()
