"""``AsyncRouter``: ``Router`` for ``AsyncClient``s; its state backend may be sync (the in-process
one) or async (``redis.asyncio``), whose operations it awaits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from llmkit.api import AsyncClient
from llmkit.errors import LLMKitError
from llmkit.router import _results
from llmkit.router._base import Begun, RouterBase, gather, settle
from llmkit.router._conversation import for_attempt
from llmkit.router._fast import PlainRoute
from llmkit.router.actions import Attempt, Flow, Notify, Record
from llmkit.router.policy import resume_flow
from llmkit.router.rules import Plan
from llmkit.router.trace import RouteTrace

__all__ = ["AsyncRouter"]

log = logging.getLogger("llmkit.router")


class AsyncRouter(RouterBase):
    """Routes calls over model groups of deployments (async); the state backend may be sync
    (the in-process one) or async (``redis.asyncio``)."""

    _client_class = AsyncClient
    _clients: dict[str, AsyncClient]

    @staticmethod
    def _default_sleep() -> Callable[[float], Any]:
        import asyncio  # here: a sync-only program never loads asyncio

        return asyncio.sleep

    async def _run(
        self, plan: Plan, started: Begun | Flow, call: Callable[[AsyncClient, Attempt], Any]
    ) -> tuple[Any, RouteTrace]:
        """Carry out a call from where ``_begin`` started it."""
        if not isinstance(started, tuple):
            return await self._drive(started, call)
        trace, dep, sent = started
        try:
            result = await call(self._clients[dep.id], Attempt(dep, 0, dep.timeout, trace))
        except LLMKitError as exc:
            return await self._drive(resume_flow(self._policy, plan, self._clock, trace, dep, exc), call)
        self._plain.answered(trace, dep, sent)  # type: ignore[union-attr]
        return result, trace

    async def _drive(self, flow: Flow, call: Callable[[AsyncClient, Attempt], Any]) -> tuple[Any, RouteTrace]:
        ops = self._ops
        awaited = self._async_state
        action: Any = next(flow)
        try:
            while True:
                kind = type(action)
                if kind is tuple:  # a StateOp
                    method, args = action
                    value = ops[method](*args)
                    action = flow.send(await value if awaited else value)
                elif kind is list:  # a Batch
                    values = self._batch(action)
                    action = flow.send(await gather(values) if awaited else values)
                elif kind is Attempt:
                    try:
                        result = await call(self._clients[action.deployment.id], action)
                    except LLMKitError as exc:
                        action = flow.throw(exc)
                    else:
                        action = flow.send(result)
                elif kind is Record:  # nothing reads its answers
                    done = self._record(action.ops)
                    if awaited:
                        await settle(done)
                    action = flow.send(None)
                elif kind is Notify:
                    self._notify(action)
                    action = flow.send(None)
                else:
                    await self._sleep(action.seconds)
                    action = flow.send(None)
        except StopIteration as done:
            routed: tuple[Any, RouteTrace] = done.value
            return routed

    async def _plainly(self, plain: PlainRoute, method: str, group: str, args: tuple[Any, ...]) -> Any:
        """``Router._plainly``: the commonest call on the plain route, its trace built when read."""
        begun = self._plain_begin(plain, group)
        if isinstance(begun, tuple):
            dep, started, sent = begun
            try:
                kw = self._plain_kwargs(plain, dep)
                result = await getattr(self._clients[dep.id], method)(dep.model, *args, **kw)
            except LLMKitError as exc:
                flow = self._plain_failed(group, started, dep, exc)
            else:
                return _results.with_route(result, plain.finish(dep, started, sent))
        else:
            flow = begun

        async def call(client: AsyncClient, action: Attempt) -> Any:
            kw = self._call_kwargs(action, {})
            return await getattr(client, method)(action.deployment.model, *args, **kw)

        routed, trace = await self._drive(flow, call)
        return _results.with_route(routed, trace)

    async def _routed(
        self, method: str, group: str, args: tuple[Any, ...], kwargs: dict[str, Any], messages: Any = None
    ) -> Any:
        plain = self._plain
        if plain is not None and not kwargs and not self._planned:
            return await self._plainly(plain, method, group, args)
        plan, conversation = self._prepare(group, kwargs, messages)

        started = self._begin(plan)
        if conversation is None and isinstance(started, tuple):  # the plain route, inline
            trace, dep, sent = started
            try:
                kw = self._call_kwargs(Attempt(dep, 0, dep.timeout, trace), kwargs)
                result = await getattr(self._clients[dep.id], method)(dep.model, *args, **kw)
            except LLMKitError as exc:
                started = resume_flow(self._policy, plan, self._clock, trace, dep, exc)
            else:
                self._plain.answered(trace, dep, sent)  # type: ignore[union-attr]
                return _results.with_route(result, trace)

        async def call(client: AsyncClient, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            if conversation is not None:  # args[0] is the messages
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return await getattr(client, method)(action.deployment.model, sent, *args[1:], **kw)
            return await getattr(client, method)(action.deployment.model, *args, **kw)

        result, trace = await self._run(plan, started, call)
        return _results.with_route(result, trace)

    async def complete(self, model: str, messages: Any, **kwargs: Any) -> Any:
        plain = self._plain
        if plain is not None and not kwargs and not self._planned:  # ``_routed``'s first case
            return await self._plainly(plain, "complete", model, (messages,))
        return await self._routed("complete", model, (messages,), kwargs, messages)

    def stream(self, model: str, messages: Any, **kwargs: Any) -> _results.AsyncRoutedStream:
        """Routing runs when the stream is awaited, entered or iterated; it ends at the first event."""

        async def begin() -> Any:
            plan = self._plan(model, kwargs, messages)
            conversation = self._conversation(plan, messages, kwargs)

            async def call(client: AsyncClient, action: Attempt) -> Any:
                kw = self._call_kwargs(action, kwargs)
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return await _results.open_async_stream(client.stream(action.deployment.model, sent, **kw))

            opened, trace = await self._run(plan, self._begin(plan), call)
            return opened, trace, self._async_settle(trace, plan, messages)

        return _results.AsyncRoutedStream(begin)

    def _async_settle(self, trace: RouteTrace, plan: Plan, messages: Any) -> Any:
        counted = self._stream_tokens(trace, plan, messages)
        if counted is None:
            return None
        key, estimate = counted

        async def settle(completion: Any) -> None:
            tokens = _results.stream_tokens(completion, estimate)
            if not tokens:
                return
            try:
                value = self._ops["incr_window"](key, tokens, 60.0, self._clock())
                if self._async_state:
                    await value
            except LLMKitError as exc:  # the stream is the caller's; a counter's failure is not
                log.warning("the router could not count a stream's tokens: %s", exc)

        return settle

    async def embed(self, model: str, inputs: Any, **kwargs: Any) -> Any:
        return await self._routed("embed", model, (inputs,), kwargs)

    async def count_tokens(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return await self._routed("count_tokens", model, (messages,), kwargs)

    async def generate_image(self, model: str, prompt: str, **kwargs: Any) -> Any:
        return await self._routed("generate_image", model, (prompt,), kwargs)

    async def rerank(self, model: str, query: str, documents: Sequence[Any], **kwargs: Any) -> Any:
        return await self._routed("rerank", model, (query, documents), kwargs)

    async def state(self) -> dict[str, Any]:
        """``Router.state()``, awaiting each counter when the backend is async."""
        now = self._clock()
        wanted: list[tuple[str, tuple[Any, ...]]] = []
        self._snapshot(lambda name, args: wanted.append((name, args)), now)
        values: dict[tuple[str, tuple[Any, ...]], Any] = {}
        for name, args in wanted:
            value = self._ops[name](*args)
            values[(name, args)] = await value if self._async_state else value
        return self._snapshot(lambda name, args: values[(name, args)], now)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def __aenter__(self) -> AsyncRouter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
