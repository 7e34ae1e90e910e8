"""A client's settings: the constructor keywords (declared once for both clients) and what they
turn into (keys, default headers and timeout, the retry policy, the resolution cache). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit import _args as A
from llmkit import _constants as C
from llmkit._proxy import check_proxy_url
from llmkit._redact import mask, register_secret
from llmkit._resolve import Resolved, auth_factory, resolve
from llmkit._retry import RetryPolicy, Timeout
from llmkit.errors import ConfigurationError

if TYPE_CHECKING:
    from llmkit.cache import CacheBackend, CachePolicy
    from llmkit.observe.events import Observers


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Defaults for every call the client makes, and its connection pool.

    ``api_key`` is used for every provider, ``api_keys`` maps provider names to their own keys (a
    call's ``api_key=`` wins over both, the provider's environment variable is the last resort).
    ``base_url`` replaces every provider's API root; ``timeout`` (seconds or a ``Timeout``) and
    ``max_retries`` are the defaults a call's own keywords override; ``headers`` go on every
    request. ``retry_sent_requests=True`` also retries a request the server may have received
    (a read timeout, a stream cut before its first event: the provider may have run and billed
    it); ``retry_read_timeouts`` is its older name. ``max_connections`` bounds the pool,
    ``max_response_bytes`` any one response body or stream event, and ``proxy`` (a plain-HTTP
    forward proxy, ``http://host:port``) replaces the ``HTTP(S)_PROXY``/``NO_PROXY`` environment.
    ``cache`` turns the response cache on for every chat, stream, embed and rerank call: a
    ``MemoryCache``, a ``RedisCache``, a ``CachePolicy``, or True (an in-memory LRU of its own).
    ``callbacks`` are observers told of every call (``llmkit.observe.Callbacks(on_response=...)``,
    a ``BaseObserver`` subclass, ``llmkit.observe.OpenTelemetry()``, or a list of them), with
    credentials redacted from what they see.
    """

    api_key: str | None = None
    api_keys: Mapping[str, str] | None = None
    base_url: str | None = None
    timeout: float | Timeout | None = None
    max_retries: int | None = None
    headers: Mapping[str, str] | None = None
    retry_read_timeouts: bool = False
    retry_sent_requests: bool | None = None
    max_connections: int = C.MAX_CONNECTIONS
    max_response_bytes: int = C.MAX_RESPONSE_BYTES
    proxy: str | None = None
    cache: CacheBackend | CachePolicy | bool | None = None
    # Observers (llmkit.observe): one, or a sequence; each is told of every call, redacted.
    callbacks: Any = None


class Settings:
    """What one client's options mean, checked once at construction."""

    __slots__ = (
        "base_url",
        "cache",
        "headers",
        "keys",
        "max_connections",
        "max_response_bytes",
        "max_retries",
        "observers",
        "policy",
        "proxy",
        "resolved",
        "retry_read_timeouts",
        "timeout",
    )

    def __init__(self, o: ClientOptions) -> None:
        A.check_api_key(o.api_key)
        _check_keys(o.api_keys)
        A.check_max_retries(o.max_retries)
        A.check_str_map(o.headers, "headers")
        self.keys: dict[str, str] = dict(o.api_keys or {})
        if o.api_key is not None:
            self.keys["*"] = o.api_key
        for k in self.keys.values():
            register_secret(k)
        self.base_url = o.base_url
        self.timeout = Timeout.of(o.timeout)
        self.max_retries = C.DEFAULT_MAX_RETRIES if o.max_retries is None else o.max_retries
        self.headers = dict(o.headers or {})
        # retry_sent_requests is the general name; retry_read_timeouts (older) sets the same switch.
        retry = o.retry_read_timeouts if o.retry_sent_requests is None else o.retry_sent_requests
        self.retry_read_timeouts = retry
        self.max_connections = o.max_connections
        if type(o.max_response_bytes) is not int or o.max_response_bytes <= 0:
            raise ConfigurationError(
                f"max_response_bytes must be a positive int (bytes), not {o.max_response_bytes!r}"
            )
        self.max_response_bytes = o.max_response_bytes
        self.proxy = check_proxy_url(o.proxy) if o.proxy is not None else None
        # The cache and observer machinery loads only for a client that configures them (issue 17).
        self.cache = _client_cache(o.cache) if o.cache is not None else None
        self.observers: Observers = _observers(o.callbacks) if o.callbacks is not None else ()
        # The policy holds no per-call state, so one serves every call that keeps the defaults.
        self.policy = RetryPolicy(max_retries=self.max_retries, retry_read_timeouts=retry)
        # Resolution is pure but not free (~30 µs, more with an auth factory); calls reuse it, keyed
        # on their model, key, base URL and (when simple values) options and extra headers.
        self.resolved: dict[tuple[Any, ...], Resolved] = {}

    def describe(self, name: str) -> str:
        """The client's repr: keys masked."""
        keys = {k: mask(v) for k, v in self.keys.items()}
        return f"{name}(keys={keys}, base_url={self.base_url!r}, max_retries={self.max_retries})"

    def resolve(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        extra_headers: Mapping[str, str] | None,
        options: dict[str, Any],
    ) -> Resolved:
        key = (
            (model, api_key, base_url)
            if not options and extra_headers is None
            else _call_key(model, api_key, base_url, extra_headers, options)
        )
        if key is not None:
            hit = self.resolved.get(key)
            if hit is not None and hit.still_valid():
                return hit
        r = resolve(
            model,
            api_key=api_key,
            base_url=base_url or self.base_url,
            extra_headers=extra_headers,
            options=options,
            default_keys=self.keys,
            default_headers=self.headers,
        )
        if key is not None and len(self.resolved) < 256 and (not options or _reusable(r, options)):
            self.resolved[key] = r
        return r

    def policy_for(self, max_retries: int | None) -> RetryPolicy:
        policy = self.policy
        if max_retries is not None and max_retries != policy.max_retries:
            policy = RetryPolicy(max_retries=max_retries, retry_read_timeouts=self.retry_read_timeouts)
        return policy


# Option values a resolution can be cached under: immutable, and equal only when sent alike (the
# type is part of the key: True == 1 == 1.0, yet each is sent as written; floats, where -0.0 ==
# 0.0, and containers, which may change after the call, are resolved afresh each time).
_KEYABLE = frozenset({str, int, bool, type(None)})


def _call_key(
    model: str,
    api_key: str | None,
    base_url: str | None,
    extra_headers: Mapping[str, str] | None,
    options: dict[str, Any],
) -> tuple[Any, ...] | None:
    """The resolution cache's key for a call with options or extra headers; None: not cached."""
    for value in options.values():
        if type(value) not in _KEYABLE:
            return None
    headers: tuple[tuple[str, str], ...] = ()
    if extra_headers is not None:
        headers = tuple(extra_headers.items())
        for name, value in headers:
            if type(name) is not str or type(value) is not str:
                return None
    return (model, api_key, base_url, tuple([(k, v, type(v)) for k, v in options.items()]), headers)


def _reusable(r: Resolved, options: Mapping[str, Any]) -> bool:
    """Whether a resolution made with ``options`` holds for the next call with the same ones: not
    when an option makes the auth read something outside the call (a credentials file's path),
    which is read again at each call (``AuthFactory.pure_options`` are the exceptions)."""
    factory = auth_factory(r.spec)
    if factory is None:
        return True
    return not any(k in factory.options and k not in factory.pure_options for k in options)


def _client_cache(cache: object) -> CachePolicy | None:
    from llmkit.cache._policy import client_policy

    return client_policy(cache)


def _observers(callbacks: object) -> Observers:
    from llmkit.observe.events import observers_of

    return observers_of(callbacks)


def _check_keys(api_keys: Any) -> None:
    if api_keys is None:
        return
    if not isinstance(api_keys, Mapping):
        raise ConfigurationError(
            f"api_keys must be a dict of provider name to key, not {type(api_keys).__name__}"
        )
    for name, key in api_keys.items():
        if type(name) is not str or key is None:
            raise ConfigurationError("api_keys must map provider names to keys (strings)")
        A.check_api_key(key, f"api_keys[{name!r}]")
