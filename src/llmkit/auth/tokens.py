"""One token manager for every scheme that exchanges a credential for a short-lived token.

Sans-I/O: the manager holds one credential's current token and decides, under a lock, what a
caller does next; the I/O of a refresh (a token request, a credential library's ``Blocking``
call) is yielded by the caller's auth flow and carried out by the driver, as before.

* **Fresh** (more than ``margin`` seconds left): the cached token, with no I/O at all.
* **Due** (inside the margin, not yet expired) while another caller refreshes: the old token,
  which still works, so a busy client never waits for a background refresh.
* **Missing or expired, or due with nobody refreshing**: the first caller *claims* the refresh
  and runs it; every caller that comes while it runs and has no usable token yields a ``Join``
  on the refresh's future instead of sending its own (single flight, for sync threads and async
  tasks alike: the sync driver waits on the future, the async one awaits it off the loop, each
  under its call's remaining deadline).

A refresh that fails wakes every waiter with a copy of the owner's typed error (a waiter would
have met the same refusal) and frees the manager, so the next caller claims a fresh attempt. An
owner that never finishes (its task cancelled, its flow dropped) wakes the waiters with an
``APIConnectionError`` marked ``before_send``, which their own retry loop may repeat.
Nothing secret is kept outside the token slot, and no repr or error shows it.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from llmkit.auth.base import Blocking, Join
from llmkit.errors import APIConnectionError, AuthenticationError, LLMKitError
from llmkit.wire import HttpRequest

__all__ = [
    "MAX_LIFETIME",
    "MAX_TOKEN_CHARS",
    "REFRESH_MARGIN",
    "Clock",
    "TokenFlow",
    "TokenManager",
    "TokenSteps",
    "shared_manager",
]

# Refresh a token this many seconds before it expires.
REFRESH_MARGIN = 300.0
# Whatever a token endpoint claims, a token is kept at most this long (a day: the longest any of
# the exchanges documents is 24 h), so a reply with an absurd expiry cannot pin a token forever.
MAX_LIFETIME = 86_400.0
# A token goes into a header: past this size (the largest real ones, Entra ID's, are ~4 KiB) or
# with whitespace or control characters, the reply is junk, not a token.
MAX_TOKEN_CHARS = 32_768

Clock = Callable[[], float]
# What a refresh yields (a token request or a blocking library call) and returns: the token
# and the wall-clock time it expires at.
TokenFlow = Generator[HttpRequest | Blocking | Join, Any, tuple[str, float]]
# The flow that gets a token: the caller's auth flow runs it with ``yield from``.
TokenSteps = Generator[HttpRequest | Blocking | Join, Any, str]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a refresh's future resolves to: never an exception, so no waiter's raise can
    mutate (traceback, attempts) an error object another waiter is raising too."""

    token: str | None
    error: LLMKitError | None

    def __repr__(self) -> str:
        return f"_Outcome(ok={self.token is not None})"


class TokenManager:
    """One credential's token: cached, refreshed ``margin`` seconds early, single-flight."""

    __slots__ = ("_expires_at", "_inflight", "_lock", "_token", "clock", "margin", "waiting", "what")

    def __init__(self, what: str, clock: Clock | None = None, margin: float = REFRESH_MARGIN) -> None:
        self.what = what
        self.clock = clock or time.time
        self.margin = margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._inflight: Future[_Outcome] | None = None
        # Callers joined to the refresh in flight (for diagnostics and tests).
        self.waiting = 0

    def acquire(self) -> str | Future[_Outcome] | None:
        """A token to use now; the in-flight refresh's future to wait on; or None: the caller
        has claimed the refresh and must ``settle`` it."""
        with self._lock:
            now = self.clock()
            token = self._token
            if token is not None and now < self._expires_at - self.margin:
                return token
            inflight = self._inflight
            if inflight is None:
                self._inflight = Future()
                return None
            if token is not None and now < self._expires_at:
                return token  # someone else is refreshing; the old token still works
            self.waiting += 1
            return inflight

    def settle(self, token: str | None, expires_at: float, error: LLMKitError | None) -> None:
        """End the claimed refresh: store its token (or not) and wake whoever waits."""
        with self._lock:
            inflight, self._inflight = self._inflight, None
            self.waiting = 0
            if token is not None:
                self._token, self._expires_at = token, expires_at
        if inflight is not None:
            inflight.set_result(_Outcome(token, error))

    def invalidate(self, token: str) -> bool:
        """Forget ``token`` (the server said it expired); a newer one is kept. True when the
        next caller gets another token than ``token`` (so a resend is worth making)."""
        with self._lock:
            if self._token == token:
                self._token, self._expires_at = None, 0.0
                return True
            return self._token is not None or self._inflight is not None

    def token_flow(self, fetch: Callable[[], TokenFlow]) -> TokenSteps:
        """The current token, refreshing through ``fetch()`` or joining a refresh as needed."""
        got = self.acquire()
        if isinstance(got, str):
            return got
        if got is not None:
            outcome: _Outcome = yield Join(got)
            if outcome.error is not None:
                raise copy.copy(outcome.error)
            assert outcome.token is not None
            return outcome.token
        try:
            token, expires_at = yield from fetch()
        except LLMKitError as exc:
            self.settle(None, 0.0, exc)
            raise
        except BaseException:
            # Cancelled, dropped (GeneratorExit) or a bug: the waiters must not hang on it.
            abandoned = APIConnectionError(f"the {self.what} this call waited for did not finish")
            abandoned.before_send = True
            self.settle(None, 0.0, abandoned)
            raise
        try:
            expires_at = self._checked(token, expires_at)
        except AuthenticationError as exc:
            self.settle(None, 0.0, exc)
            raise
        self.settle(token, expires_at, None)
        return token

    def _checked(self, token: object, expires_at: object) -> float:
        """The expiry to keep ``token`` until; an AuthenticationError if either is unusable.

        Every scheme's parser reads its own reply; this is the floor they all share, so that a
        junk reply is refused the same way whoever parsed it (and the token is never shown)."""
        problem = None
        if not isinstance(token, str) or not token:
            problem = "an empty or non-text token"
        elif len(token) > MAX_TOKEN_CHARS:
            problem = f"a token of {len(token)} characters (over {MAX_TOKEN_CHARS})"
        elif not token.isascii() or not token.isprintable() or " " in token:
            problem = "a token with spaces, control or non-ASCII characters"
        elif not isinstance(expires_at, (int, float)) or expires_at != expires_at:
            problem = "a token without a usable expiry"
        if problem is not None:
            raise AuthenticationError(f"the {self.what} answered {problem}; it was not used")
        assert isinstance(expires_at, (int, float))
        now = self.clock()
        if expires_at == math.inf:  # a credential library's "no expiry" (google-auth's None)
            return math.inf
        return float(min(expires_at, now + MAX_LIFETIME))

    def __repr__(self) -> str:
        with self._lock:
            state = "none" if self._token is None else f"expires_at={self._expires_at:.0f}"
            busy = self._inflight is not None
        return f"TokenManager({self.what!r}, {state}, refreshing={busy})"


# Managers for credential objects a caller passes (a google-auth or azure-identity credential):
# a call with options is resolved afresh each time, so the manager must outlive its Auth. The
# object is held too, so its id is not reused while the entry lives.
_SHARED: dict[tuple[Any, ...], tuple[object, TokenManager]] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 256


def shared_manager(owner: object, what: str, *key: Any, margin: float = REFRESH_MARGIN) -> TokenManager:
    """The one manager for ``owner`` (and ``key``, e.g. a scope), made on first use; ``margin``
    is its refresh margin (for tokens whose lifetime is shorter than the default's)."""
    ident = (id(owner), *key)
    with _SHARED_LOCK:
        entry = _SHARED.get(ident)
        if entry is None or entry[0] is not owner:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            entry = _SHARED[ident] = (owner, TokenManager(what, margin=margin))
        return entry[1]
