"""Retry policy and the request lifecycle, written once for sync and async.

``send_flow`` is a generator: it yields ``Send``/``Sleep`` actions (and the
token requests of auth flows) and the sync or async driver carries them out,
sending responses back in or throwing transport errors into it. Token requests go out as
``Send`` actions too, under the call's remaining deadline, and a credential library's blocking
refresh as a ``Blocking`` action (run inline by the sync driver, in a thread by the async one), and
a wait for another caller's token refresh as a ``Join`` (under the same deadline). Nothing here
does I/O, so the whole policy is tested without sockets or sleeping.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from llmkit import _constants as C
from llmkit._redact import redact_location
from llmkit._retry_after import parse_retry_after

# Timeout lives in _timeout (transport needs it, and may import nothing this high); re-exported.
from llmkit._timeout import Timeout as Timeout
from llmkit.auth.base import AddressRejecting, Auth, AuthFlow, Blocking, Join, TokenRejecting
from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    LLMKitError,
    ProviderError,
    RateLimitError,
    RedirectError,
)
from llmkit.wire import HttpRequest, HttpResponse

# Seeding a Random costs ~20 µs; jitter needs no per-call generator.
_RNG = random.Random()


@dataclass(slots=True)
class RetryPolicy:
    max_retries: int = C.DEFAULT_MAX_RETRIES
    initial_delay: float = C.INITIAL_RETRY_DELAY
    max_delay: float = C.MAX_RETRY_DELAY
    max_retry_after: float = C.MAX_RETRY_AFTER
    # A request that reached the server whose answer was then lost (a read timeout, a connection
    # reset or cut after the request was sent) may have been processed and billed: such requests
    # are re-sent only when the caller opts in (``Client(retry_sent_requests=True)``; the older
    # name ``retry_read_timeouts`` sets the same switch).
    retry_read_timeouts: bool = False
    rng: random.Random = field(default_factory=lambda: _RNG)
    clock: Callable[[], float] = time.monotonic

    def backoff(self, retries_taken: int) -> float:
        delay: float = min(self.initial_delay * 2.0**retries_taken, self.max_delay)
        return delay * (1 - 0.25 * self.rng.random())

    def delay_for(self, retries_taken: int, headers: Mapping[str, str]) -> float | None:
        """Seconds to wait before the next attempt, or None when the server's wait is too long to honour."""
        asked = parse_retry_after(headers)
        if asked is None:
            return self.backoff(retries_taken)
        if asked > self.max_retry_after:
            return None
        return asked


def should_retry_status(status: int, headers: Mapping[str, str]) -> bool:
    override = headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    return status in (408, 409, 429) or status >= 500


@dataclass(slots=True)
class Send:
    request: HttpRequest
    stream: bool
    timeout: Timeout


@dataclass(slots=True)
class Sleep:
    seconds: float
    # Set when the wait is a retry's: why ("HTTP 429", "APIConnectionError"), for observers.
    # A job's poll interval leaves it None.
    reason: str | None = None


Action = Send | Sleep | Blocking | Join
Flow = Generator[Action, Any, HttpResponse]
Budget = Callable[[], Timeout]


def auth_and_send(auth: Auth, request: HttpRequest, stream: bool, budget: Budget) -> Flow:
    """One attempt: run the auth flow, then send. ``budget()`` gives the timeout for each request
    as it goes out, so token requests and credential refreshes share the call's total deadline."""
    apply = getattr(auth, "apply", None)
    if apply is not None:  # a static credential: no token exchange, so skip the generator
        response: HttpResponse = yield Send(apply(request), stream, budget())
        return response
    signed = yield from _run_auth(auth.auth_flow(request), budget)
    response = yield Send(signed, stream, budget())
    return response


def _run_auth(signing: AuthFlow, budget: Budget) -> Generator[Action, Any, HttpRequest]:
    try:
        outgoing = next(signing)
        while True:
            if isinstance(outgoing, Blocking):
                action: Action = Blocking(outgoing.fn, budget().total)
            elif isinstance(outgoing, Join):  # another caller's refresh: wait, within the deadline
                action = Join(outgoing.future, budget().total)
            else:  # a token request: a plain, non-streamed send under what is left of the deadline
                action = Send(outgoing, False, budget())
            try:
                result = yield action
            except LLMKitError as exc:  # let the auth flow see its own request fail (and clean up)
                outgoing = signing.throw(exc)
                continue
            outgoing = signing.send(result)
    except StopIteration as done:
        signed: HttpRequest = done.value
        return signed


def send_flow(
    request: HttpRequest,
    auth: Auth,
    policy: RetryPolicy,
    timeout: Timeout,
    stream: bool,
    to_error: Callable[[HttpResponse], ProviderError],
    provider: str | None = None,
    in_body: Callable[[HttpResponse], int | None] | None = None,
) -> Flow:
    """Send with retries; return the first 2xx response or raise the typed error.

    The total deadline runs from this call, not from the flow's first step: what the driver
    does before it (building a client's connection pool on its first call, ~0.1 s) counts.

    ``in_body``, for a provider that reports failures inside a 2xx body: the status such a body
    stands for (None: a real answer); the answer is then handled as that status."""
    deadline = None if timeout.total is None else policy.clock() + timeout.total
    return _send_flow(request, auth, policy, timeout, stream, to_error, provider, deadline, in_body)


def _send_flow(
    request: HttpRequest,
    auth: Auth,
    policy: RetryPolicy,
    timeout: Timeout,
    stream: bool,
    to_error: Callable[[HttpResponse], ProviderError],
    provider: str | None,
    deadline: float | None,
    in_body: Callable[[HttpResponse], int | None] | None = None,
) -> Flow:
    retries = 0
    reauthorized = False
    readdressed = False
    # A static credential (a key in a header) is applied inline: no auth generator per attempt.
    apply = getattr(auth, "apply", None)

    def budget() -> Timeout:
        # Every request of the call (token exchanges included) gets at most what is left.
        if deadline is None:
            return timeout
        remaining = deadline - policy.clock()
        if remaining <= 0:
            raise APITimeoutError(
                "total timeout reached before the request could be sent", attempts=retries + 1
            )
        return Timeout(
            connect=min(timeout.connect or remaining, remaining),
            read=min(timeout.read or remaining, remaining),
            total=remaining,
        )

    while True:
        attempt = HttpRequest(
            request.method,
            request.url,
            dict(request.headers),
            request.body,
            request.json,
            request.ca_bundle,
            request.client_cert,
        )
        if retries:
            attempt.headers["x-llmkit-retry-count"] = str(retries)
        try:
            if apply is not None:
                resp = cast(
                    HttpResponse,
                    (yield Send(apply(attempt), stream, timeout if deadline is None else budget())),
                )
            else:
                resp = yield from auth_and_send(auth, attempt, stream, budget)
        except APIConnectionError as exc:
            exc.attempts = retries + 1
            if exc.provider is None:
                exc.provider = provider
            if deadline is not None and policy.clock() >= deadline:
                raise  # the deadline has passed: nothing is worth retrying
            # Only a failure before the request could reach the server is safe to repeat; after
            # that the provider may have run (and billed) it, so a retry needs the caller's consent.
            if retries >= policy.max_retries or not (exc.before_send or policy.retry_read_timeouts):
                raise
            delay = policy.backoff(retries)
            reason = type(exc).__name__
        except ProviderError as exc:  # e.g. a body past the size cap: never worth repeating
            exc.attempts = retries + 1
            if exc.provider is None:
                exc.provider = provider
            raise
        else:
            if 200 <= resp.status < 300:
                if in_body is None:
                    return resp
                status = in_body(resp)
                if status is None:
                    return resp
                resp = HttpResponse(status, resp.headers, resp.body)
            if resp.status == 401 and not reauthorized and _token_rejected(auth, attempt, resp):
                # The token expired early (revoked, clock skew): once per call, a new one and
                # the request again at once; not a retry (no wait, not counted).
                reauthorized = True
                continue
            if resp.status == 404 and not readdressed and _address_rejected(auth, attempt, resp):
                # A part of the address the auth looked up (a discovered deployment) is gone:
                # once per call, looked up again and the request sent again at once.
                readdressed = True
                continue
            delay = _retry_delay(resp, to_error, policy, retries, provider)
            reason = f"HTTP {resp.status}"
        if deadline is not None and policy.clock() + delay >= deadline:
            raise APITimeoutError(
                f"total timeout would pass while waiting {delay:.2f}s to retry", attempts=retries + 1
            )
        yield Sleep(delay, reason)
        retries += 1


def _token_rejected(auth: Auth, sent: HttpRequest, resp: HttpResponse) -> bool:
    """Whether a token-exchange auth took this 401 as its token's expiry (and forgot the token)."""
    return isinstance(auth, TokenRejecting) and auth.token_rejected(sent, resp)


def _address_rejected(auth: Auth, sent: HttpRequest, resp: HttpResponse) -> bool:
    """Whether an auth that resolved part of the URL took this 404 as that part gone (and forgot it)."""
    return isinstance(auth, AddressRejecting) and auth.address_rejected(sent, resp)


def _retry_delay(
    resp: HttpResponse,
    to_error: Callable[[HttpResponse], ProviderError],
    policy: RetryPolicy,
    retries: int,
    provider: str | None,
) -> float:
    """Seconds to wait before retrying a non-2xx answer; raises its typed error if it is not retried."""
    if 300 <= resp.status < 400:
        # Never followed (the credentials must not travel to wherever it points) and never
        # taken for success: the body of a 3xx is not the answer.
        raise redirect_error(resp, provider, retries + 1)
    err = to_error(resp)
    err.attempts = retries + 1
    retryable = err.retryable if err.retryable is not None else should_retry_status(resp.status, resp.headers)
    if not retryable or retries >= policy.max_retries:
        raise err
    delay = policy.delay_for(retries, resp.headers)
    if delay is None:
        raise err  # asked to wait longer than we are willing to block
    if isinstance(err, RateLimitError) and err.retry_after is None:
        err.retry_after = delay
    return delay


def redirect_error(resp: HttpResponse, provider: str | None, attempts: int) -> RedirectError:
    location = resp.headers.get("location")
    shown = redact_location(location) if location else None
    where = f" to {shown}" if shown else ""
    err = RedirectError(
        f"the server answered with a redirect{where}; llmkit does not follow redirects. If the "
        "endpoint moved, pass its new address as base_url",
        status_code=resp.status,
        provider=provider,
        request_id=resp.request_id,
        attempts=attempts,
    )
    err.location = shown
    return err
