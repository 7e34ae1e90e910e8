"""A fixed number of sync calls of one wire format against a running ``mock_server.py``, for
instruction counts (the scall slice's evidence; see RESULTS.md "Sync calls (session 12)").

Start the mock in its own process first (``python benchmarks/mock_server.py --port 0`` prints its
port), then run this under ``valgrind --tool=callgrind`` with N and 3N calls; the difference of the
two totals over 2N is the instructions of one call in this process (the mock's work is not
counted). ``llmkit`` and ``raw`` run from ``.venv``; ``sdk`` from ``benchmarks/.venv-peers``::

    for n in 300 900; do PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/sync_calls.py anthropic llmkit $n http://127.0.0.1:PORT 2>&1 \\
        | grep Collected; done

or, in one run counting only the measured calls (total over N)::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=builtin_sorted .venv/bin/python benchmarks/sync_calls.py anthropic llmkit 200 \\
        http://127.0.0.1:PORT 2>&1 | grep Collected
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import wire_clients


def main() -> None:
    fmt, client, calls, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    os.environ.update(wire_clients.WORKER_ENV)  # what formats.py's workers get (AWS keys, region)
    if client == "llmkit":
        call, _ = wire_clients.llmkit_sync(fmt, base)
    elif client == "raw":
        call, _ = wire_clients.raw_sync(fmt, base)
    else:
        import wire_peers

        call, _ = wire_peers.sdk_sync(fmt, base)
    expected = wire_clients.COMPLETION_TEXT
    for _ in range(100):  # warm-up: pools open, the interpreter's specialisations settle
        if call() != expected:
            raise SystemExit(f"{fmt}/{client}: unexpected text")
    # The measured calls run as the key function of one ``sorted``: with
    # ``--collect-atstart=no --toggle-collect=builtin_sorted`` callgrind counts only them, so one
    # run gives the per-call figure (start-up and warm-up are never collected).
    sorted(range(calls), key=lambda _: (call(), 0)[1])


if __name__ == "__main__":
    main()
