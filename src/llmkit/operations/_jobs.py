"""Calls that run as jobs: create, then poll (or open a stream) until the job's answer is final.

A dialect with a ``follow_up`` method (``dialects.base.JobDialect``: Replicate's predictions)
gets this flow instead of one ``send_flow``: each request goes through ``send_flow`` (so each has
the call's retry policy), with what is left of the call's deadline; the waits between polls are
``Sleep`` actions of the same flow, never a blocking loop. When the deadline would pass during a
wait, the job's cancel request is sent (best effort) and the call raises ``APITimeoutError``.
Pure: nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from llmkit import _guard
from llmkit._retry import Flow, RetryPolicy, Sleep, Timeout, send_flow
from llmkit.auth.base import Auth
from llmkit.dialects.base import CallContext, FollowUp, JobDialect
from llmkit.errors import APITimeoutError, LLMKitError, ProviderError
from llmkit.wire import HttpRequest, HttpResponse

# With no total deadline set, a job is polled for at most this long (seconds) before it is
# cancelled: a prediction queued for ever must not hold the caller for ever.
DEFAULT_JOB_DEADLINE = 600.0


def job_flow(
    request: HttpRequest,
    req: Any,
    job: JobDialect,
    ctx: CallContext,
    auth: Auth,
    policy: RetryPolicy,
    timeout: Timeout,
    stream: bool,
    to_error: Callable[[HttpResponse], ProviderError],
) -> Flow:
    """A call whose dialect is a ``JobDialect`` (chat on Replicate): ``follow_up`` says each step."""

    def next_step(resp: HttpResponse, step: int) -> FollowUp | None:
        return _next(job, resp, req, step, stream, ctx)

    hold = getattr(job, "hold", None)
    return run_job(request, next_step, hold, auth, policy, timeout, to_error, ctx.provider)


NextStep = Callable[[HttpResponse, int], "FollowUp | None"]
Hold = Callable[[HttpRequest, float], HttpRequest]


def run_job(
    request: HttpRequest,
    next_step: NextStep,
    hold: Hold | None,
    auth: Auth,
    policy: RetryPolicy,
    timeout: Timeout,
    to_error: Callable[[HttpResponse], ProviderError],
    provider: str,
) -> Flow:
    """The one polling loop (chat's ``follow_up`` and generate_image's ``ImagePoll`` both run on
    it): send ``request``, then, while ``next_step(answer, n)`` (n counts the answers, from 1)
    names a next request, sleep its delay and send it, all within the call's deadline (or
    ``DEFAULT_JOB_DEADLINE``). ``hold``, the dialect's, re-aims a create request the server may
    hold open (``Prefer: wait``) so it is held no longer than the deadline leaves."""
    total = timeout.total if timeout.total is not None else DEFAULT_JOB_DEADLINE
    deadline = policy.clock() + total
    what = "the job"

    def within(t: Timeout) -> Timeout:
        remaining = deadline - policy.clock()
        if remaining <= 0:
            raise APITimeoutError(f"total timeout reached while waiting for {what}", provider=provider)
        return Timeout(
            connect=min(t.connect or remaining, remaining),
            read=min(t.read or remaining, remaining),
            total=remaining,
        )

    first = within(timeout)
    if hold is not None:
        assert first.total is not None
        request = hold(request, first.total)
    resp = yield from send_flow(request, auth, policy, first, False, to_error, provider)
    step = 1
    while True:
        nxt = next_step(resp, step)
        if nxt is None:
            return resp
        what = nxt.what
        if policy.clock() + nxt.delay >= deadline:
            yield from _cancel(nxt, auth, policy, to_error, provider)
            raise APITimeoutError(
                f"total timeout ({total:g} s) reached while waiting for {what}; it was cancelled. "
                "Pass a longer timeout=Timeout(total=...) to wait longer",
                provider=provider,
            )
        if nxt.delay > 0:
            yield Sleep(nxt.delay)
        try:
            resp = yield from send_flow(
                nxt.request, auth, policy, within(timeout), nxt.stream, to_error, provider
            )
        except APITimeoutError:
            yield from _cancel(nxt, auth, policy, to_error, provider)
            raise
        if nxt.stream and nxt.cancel is not None:
            # A stream closed before its end (the caller stopped reading, its task was
            # cancelled) leaves the job running and billed: the stream sends the cancel then.
            resp.on_early_close = partial(_cancel, nxt, auth, policy, to_error, provider)
        step += 1


def _next(
    job: JobDialect, resp: HttpResponse, req: Any, step: int, stream: bool, ctx: CallContext
) -> FollowUp | None:
    """The dialect's next step, behind the guard every dialect call has: a bare exception (drifted
    JSON) is a ResponseDecodeError naming the provider."""
    try:
        return job.follow_up(resp, req, step, stream, ctx)
    except LLMKitError:
        raise
    except Exception as exc:
        err = _guard.decode_error(exc, "job answer", ctx.provider, resp.body)
    raise err


def _cancel(
    nxt: FollowUp,
    auth: Auth,
    policy: RetryPolicy,
    to_error: Callable[[HttpResponse], ProviderError],
    provider: str,
) -> Flow:
    """Send the job's cancel request once, briefly; its failure is not the caller's error."""
    empty = HttpResponse(0, {})
    if nxt.cancel is None:
        return empty
    once = RetryPolicy(max_retries=0, clock=policy.clock)
    try:
        resp = yield from send_flow(
            nxt.cancel, auth, once, Timeout(connect=5.0, read=5.0, total=10.0), False, to_error, provider
        )
    except LLMKitError:
        return empty
    return resp
