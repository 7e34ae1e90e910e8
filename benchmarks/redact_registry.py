"""Redaction cost against the number of registered secrets (issue 9).

    .venv/bin/python benchmarks/redact_registry.py

Registers N random 40-character secrets, then scrubs a 100 KB text holding one of them,
with the registry (llmkit._redact) and with the loop it replaced (one ``in``/``replace``
per secret).
"""

from __future__ import annotations

import secrets
import time

from llmkit import _redact


def old_redact(known: set[str], text: str) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, _redact.MASK)
    return text


def best_of(fn: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    _redact._registry.capacity = 10_000
    text_base = secrets.token_hex(50_000)  # 100 KB of text that holds no secret
    for n in (10, 1_000, 10_000):
        _redact._registry.clear()
        known = {"tok_" + secrets.token_urlsafe(27) for _ in range(n)}
        for s in known:
            _redact.register_secret(s)
        one = next(iter(known))
        text = text_base[:50_000] + one + text_base[50_000:]
        assert one not in _redact.redact_text(text)
        new = best_of(lambda text=text: _redact._registry.scrub(text))
        old = best_of(lambda known=known, text=text: old_redact(known, text))
        print(f"{n:>6} secrets, 100 KB text: registry {new * 1000:7.2f} ms   old loop {old * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
