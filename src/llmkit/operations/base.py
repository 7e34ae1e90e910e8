"""What an operation is: its parameters, its pure preparation and its result parser, declared once.

The public shells (``Client``/``AsyncClient`` methods and the module functions) are generated
from these declarations by ``python -m llmkit.operations._codegen``; the drivers in
``llmkit._drivers`` run a prepared call's flow and hand the response to the parser. Nothing here
does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from llmkit import _args as A
from llmkit import _guard
from llmkit._headers import under
from llmkit._resolve import Resolved
from llmkit._retry import Action, Flow, RetryPolicy, Timeout, send_flow
from llmkit._stream import _StreamCore
from llmkit.errors import ConfigurationError, LLMKitError, NotSupportedError
from llmkit.operations.settings import Settings
from llmkit.providers.spec import ProviderSpec
from llmkit.wire import HttpRequest, HttpResponse


@dataclass(slots=True)
class Common:
    """Every operation also takes ``api_key`` and ``base_url`` (for this call, over the client's
    and the environment's), ``timeout`` (a number of seconds bounds connecting and each wait for
    bytes; ``Timeout(total=...)`` is a deadline for the whole call), ``max_retries`` (0 turns
    retries off), ``extra_headers`` (added to the request's headers) and ``extra_body`` (fields
    merged into the JSON body as sent). Any other keyword is a provider option (``region=``,
    ``reasoning_effort=``, ...); one the provider does not take is a ConfigurationError, raised
    before anything is sent."""

    # The first positional parameter of every operation, "provider/model-name".
    model: str
    api_key: str | None = field(default=None, kw_only=True)
    base_url: str | None = field(default=None, kw_only=True)
    timeout: float | Timeout | None = field(default=None, kw_only=True)
    max_retries: int | None = field(default=None, kw_only=True)
    extra_headers: Mapping[str, str] | None = field(default=None, kw_only=True)
    extra_body: Mapping[str, Any] | None = field(default=None, kw_only=True)
    # The shells' ``**provider_options``: always passed, so no default (and no per-call factory).
    provider_options: dict[str, Any] = field(kw_only=True)


P = TypeVar("P", bound=Common)
R = TypeVar("R")
Req = TypeVar("Req")


@dataclass(slots=True)
class Prepared(Generic[Req]):
    """A call ready to send: where it goes, the HTTP request, its retry policy and timeout, and
    the dialect-level request its parser needs."""

    resolved: Resolved
    request: HttpRequest
    policy: RetryPolicy
    timeout: Timeout
    req: Req
    # Structured output: None, True (decode JSON) or the pydantic class to validate with.
    check: Any = None


@dataclass(frozen=True, slots=True)
class Declaration(Generic[P]):
    """What every operation declares. The shells are ``method`` on both clients and ``method`` and
    ``"a" + method`` as module functions; their signature and docstring are ``params``' fields and
    docstring (with ``Common``'s)."""

    name: str
    method: str
    # The spec capability the provider must declare (``ProviderSpec.capabilities``), and what it
    # is called in the NotSupportedError ("embeddings", "streaming", ...).
    capability: str
    what: str
    params: type[P]
    # Argument checks that need no provider (ConfigurationError before anything is resolved).
    check: Callable[[P], None]
    # The dialect request and the HttpRequest, from the settings, the arguments and the resolution.
    prepare: Callable[[Settings, P, Resolved], Prepared[Any]]
    # The shells' return annotations (sync, async), and what the async docstring adds.
    returns: str
    async_returns: str
    async_note: str


@dataclass(frozen=True, slots=True)
class Operation(Declaration[P], Generic[P, R]):
    """One request, one response, parsed (through ``_guard``) into ``R``."""

    parse: Callable[[Prepared[Any], HttpResponse], R]
    # A call that is more than one request (a job polled until done, URLs fetched after) runs
    # this flow instead of ``send_flow`` + ``parse``: it yields the driver's actions and returns
    # the result itself (parsing each response through ``parse_response``'s guard as it goes).
    run: Callable[[Prepared[Any]], Generator[Action, Any, R]] | None = None
    # An answer without a request where one can be had (count_tokens for a provider with no
    # counting endpoint counts offline): run first, before resolution (so it needs no key);
    # None goes on to ``prepare``.
    local: Callable[[P], R | None] | None = None


@dataclass(frozen=True, slots=True)
class StreamOperation(Declaration[P]):
    """A request whose response is read as events (``Stream`` / ``AsyncStream``): the stream's
    decoding core in place of a parser."""

    open: Callable[[Settings, Prepared[Any]], _StreamCore]


AWAITED = "Awaited: the same call as the sync one, on the running event loop."


def no_check(p: Common) -> None:
    """For an operation whose own arguments need no check before resolution."""


def prepare(op: Declaration[P], s: Settings, p: P) -> Prepared[Any]:
    """Check the arguments, resolve the provider (refused if it lacks the operation's capability),
    and build the request. Pure; what every driver runs first."""
    A.check_model(p.model)
    # The None tests keep the plain call (no per-call overrides) free of the checks.
    if p.api_key is not None or p.max_retries is not None:
        A.check_api_key(p.api_key)
        A.check_max_retries(p.max_retries)
    op.check(p)
    if p.extra_headers is not None or p.extra_body is not None:
        A.check_extra(p.extra_headers, p.extra_body)
    r = s.resolve(p.model, p.api_key, p.base_url, p.extra_headers, p.provider_options)
    if not r.spec.supports(op.capability):
        raise unsupported(r.spec, op.capability, op.what)
    if r.options:
        _own_options(r, op.capability, op.name)
    return op.prepare(s, p, r)


def _own_options(r: Resolved, capability: str, name: str) -> None:
    """A dialect whose operations take different options declares them (``operation_options``:
    capability -> the dialect options it takes, ``"*"`` for the others); an option of another
    operation is a ConfigurationError here, before anything is built or sent."""
    table = getattr(r.dialect, "operation_options", None)
    if not table:
        return
    own = table.get(capability, table.get("*"))
    if own is None:
        return
    wrong = sorted(k for k in r.options if k in r.dialect.options and k not in own)
    if wrong:
        raise ConfigurationError(
            f"{r.spec.name}: {', '.join(wrong)} {'is an option' if len(wrong) == 1 else 'are options'} "
            f"of another operation, not {name}; {name} takes: {', '.join(sorted(own))}"
        )


def parse_response(op: Operation[P, R], p: Prepared[Any], resp: HttpResponse) -> R:
    """``op``'s parser on the response, behind the guard every operation shares: a bare exception
    from it (a new operation's parser that skipped ``_guard``) is a ResponseDecodeError naming the
    provider. Typed errors pass as they are: the dialect guards have scrubbed theirs, and a
    StructuredOutputError keeps the validator's error as its cause on purpose."""
    try:
        return op.parse(p, resp)
    except LLMKitError:
        raise
    except Exception as exc:
        err = _guard.decode_error(exc, f"{op.name} response", p.resolved.spec.name, resp.body)
    raise err


def unsupported(spec: ProviderSpec, capability: str, what: str, why: str = "") -> NotSupportedError:
    """The error for an operation a provider lacks, naming the providers that have it (the
    registry is listed only here, on the error path)."""
    from llmkit.providers import all_specs

    others = [s.name for s in all_specs() if s.supports(capability) and s.name != spec.name]
    where = f"; providers that do: {', '.join(others)}" if others else "; no provider does yet"
    return NotSupportedError(f"{spec.name} does not offer {what} through llmkit{why}{where}")


def finish(
    s: Settings,
    r: Resolved,
    request: HttpRequest,
    p: Common,
    req: Req,
    check: Any = None,
) -> Prepared[Req]:
    """The request as sent: the spec's query and the resolved headers added, the call's policy and
    timeout chosen."""
    if r.query:
        request.url += ("&" if "?" in request.url else "?") + r.query
    under(request.headers, r.base_headers)  # the dialect's own headers win, in any case
    # A call without its own retries or timeout (the usual one) takes the client's as they are.
    policy = s.policy if p.max_retries is None else s.policy_for(p.max_retries)
    timeout = s.timeout if p.timeout is None else Timeout.of(p.timeout, s.timeout)
    return Prepared(r, request, policy, timeout, req, check)


def flow(p: Prepared[Any], stream: bool) -> Flow:
    """The prepared call's send/retry flow, for a driver to run."""
    r = p.resolved
    job = getattr(r.dialect, "follow_up", None)
    if job is not None:  # a job (create, then poll or stream): one flow of several requests
        from llmkit.operations._jobs import job_flow

        return job_flow(
            p.request,
            p.req,
            r.dialect,  # type: ignore[arg-type]
            r.ctx,
            r.auth,
            p.policy,
            p.timeout,
            stream,
            lambda resp: _guard.parse_error(r.dialect, resp, r.ctx),
        )
    return send_flow(
        p.request,
        r.auth,
        p.policy,
        p.timeout,
        stream,
        lambda resp: _guard.parse_error(r.dialect, resp, r.ctx),
        r.spec.name,
        None if stream else _in_body(r.spec),
    )


def _in_body(spec: ProviderSpec) -> Callable[[HttpResponse], int | None] | None:
    """The 2xx-body error check of a provider that has one (``Quirks.in_body_status``), for a
    whole body; a stream's events are checked by its decoder."""
    quirks = spec.quirks
    check = None if quirks is None else quirks.in_body_status
    if check is None:
        return None

    def status_of(resp: HttpResponse) -> int | None:
        try:
            body = json.loads(resp.body)
        except (ValueError, RecursionError):
            return None  # not JSON: the parser reports it
        return check(body)

    return status_of
