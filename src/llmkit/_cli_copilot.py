"""``llmkit login copilot`` and ``llmkit.login_copilot()``: GitHub's device flow, run once per
machine; the GitHub token it gets is saved (0600) where the github_copilot provider reads it.

The flow itself is sans-I/O (``llmkit.auth.copilot.device_flow``); this module only carries out
its requests (the sync transport: no redirects, size-capped) and its waits."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmkit.auth.copilot import GITHUB_URL, DeviceCode, Wait, device_flow, save_github_token
from llmkit.errors import LLMKitError

__all__ = ["add_commands", "login_copilot"]


def _show(code: DeviceCode) -> None:
    sys.stderr.write(f"Open {code.verification_uri} and enter the code {code.user_code}\n")
    sys.stderr.flush()


def login_copilot(
    *,
    on_code: Callable[[DeviceCode], None] = _show,
    github_url: str = GITHUB_URL,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 30.0,
) -> Path:
    """Log in to GitHub Copilot with GitHub's device flow and save the GitHub token.

    ``on_code`` is shown the code to enter and the page to enter it at (by default, on stderr);
    the call returns once the code is entered (or raises ``AuthenticationError`` when it is
    refused or expires). Returns the path of the saved token (``GITHUB_COPILOT_TOKEN_DIR``, else
    ``~/.config/llmkit/github_copilot``)."""
    from llmkit._timeout import Timeout
    from llmkit._urls import check_param
    from llmkit.transport.sync_http import SyncTransport

    root = check_param("github_copilot", "github_url", github_url, "url_root", "", "github_url=").rstrip("/")
    limit = Timeout(connect=timeout, read=timeout, total=timeout)
    transport = SyncTransport(max_connections=1)
    flow = device_flow(on_code, github_url=root)
    try:
        step: Any = next(flow)
        while True:
            if isinstance(step, Wait):
                sleep(step.seconds)
                step = flow.send(None)
            else:
                step = flow.send(transport.send(step, False, limit))
    except StopIteration as done:
        return save_github_token(done.value)
    finally:
        flow.close()
        transport.close()


def _login(args: argparse.Namespace) -> int:
    try:
        path = login_copilot()
    except LLMKitError as exc:
        sys.stderr.write(f"llmkit: error: {exc}\n")
        return 1
    sys.stderr.write(f"Logged in to GitHub Copilot; the token is saved at {path}\n")
    return 0


def add_commands(sub: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    login = sub.add_parser("login", help="log in to a provider that needs an interactive step")
    login.add_argument("service", choices=["copilot"], help="copilot: GitHub Copilot's device flow")
    return {"login": _login}
