"""``Router``: routes calls over model groups of deployments, carrying out the policy's actions
(``policy.route_flow``) with each deployment's own ``Client`` (its key, base URL and pool)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from llmkit.api import Client
from llmkit.errors import LLMKitError
from llmkit.router import _results
from llmkit.router._base import Begun, RouterBase
from llmkit.router._conversation import for_attempt
from llmkit.router._fast import PlainRoute
from llmkit.router.actions import Attempt, Flow, Notify, Record
from llmkit.router.policy import resume_flow
from llmkit.router.rules import Plan
from llmkit.router.trace import RouteTrace

__all__ = ["Router"]

log = logging.getLogger("llmkit.router")


class Router(RouterBase):
    """Routes calls over model groups of deployments (sync)."""

    _client_class = Client
    _clients: dict[str, Client]

    def _run(
        self, plan: Plan, started: Begun | Flow, call: Callable[[Client, Attempt], Any]
    ) -> tuple[Any, RouteTrace]:
        """Carry out a call from where ``_begin`` started it."""
        if not isinstance(started, tuple):
            return self._drive(started, call)
        trace, dep, sent = started
        try:
            result = call(self._clients[dep.id], Attempt(dep, 0, dep.timeout, trace))
        except LLMKitError as exc:
            return self._drive(resume_flow(self._policy, plan, self._clock, trace, dep, exc), call)
        self._plain.answered(trace, dep, sent)  # type: ignore[union-attr]
        return result, trace

    def _drive(self, flow: Flow, call: Callable[[Client, Attempt], Any]) -> tuple[Any, RouteTrace]:
        ops = self._ops
        action: Any = next(flow)
        try:
            while True:
                kind = type(action)
                if kind is tuple:  # a StateOp
                    method, args = action
                    action = flow.send(ops[method](*args))
                elif kind is list:  # a Batch
                    action = flow.send(self._batch(action))
                elif kind is Attempt:
                    try:
                        result = call(self._clients[action.deployment.id], action)
                    except LLMKitError as exc:
                        action = flow.throw(exc)
                    else:
                        action = flow.send(result)
                elif kind is Record:  # nothing reads its answers
                    self._record(action.ops)
                    action = flow.send(None)
                elif kind is Notify:
                    self._notify(action)
                    action = flow.send(None)
                else:
                    self._sleep(action.seconds)
                    action = flow.send(None)
        except StopIteration as done:
            routed: tuple[Any, RouteTrace] = done.value
            return routed

    def _plainly(self, plain: PlainRoute, method: str, group: str, args: tuple[Any, ...]) -> Any:
        """The commonest call (no keywords, nothing to plan or convert): the plain route's first
        try with its keywords made once, and a trace built only when ``.route`` is read; else
        the policy, from where the plain route leaves the call."""
        begun = self._plain_begin(plain, group)
        if isinstance(begun, tuple):
            dep, started, sent = begun
            try:
                kw = self._plain_kwargs(plain, dep)
                result = getattr(self._clients[dep.id], method)(dep.model, *args, **kw)
            except LLMKitError as exc:
                flow = self._plain_failed(group, started, dep, exc)
            else:
                return _results.with_route(result, plain.finish(dep, started, sent))
        else:
            flow = begun

        def call(client: Client, action: Attempt) -> Any:
            kw = self._call_kwargs(action, {})
            return getattr(client, method)(action.deployment.model, *args, **kw)

        routed, trace = self._drive(flow, call)
        return _results.with_route(routed, trace)

    def _routed(
        self, method: str, group: str, args: tuple[Any, ...], kwargs: dict[str, Any], messages: Any = None
    ) -> Any:
        plain = self._plain
        if plain is not None and not kwargs and not self._planned:
            return self._plainly(plain, method, group, args)
        plan, conversation = self._prepare(group, kwargs, messages)

        started = self._begin(plan)
        if conversation is None and isinstance(started, tuple):  # the plain route, inline
            trace, dep, sent = started
            try:
                kw = self._call_kwargs(Attempt(dep, 0, dep.timeout, trace), kwargs)
                result = getattr(self._clients[dep.id], method)(dep.model, *args, **kw)
            except LLMKitError as exc:
                started = resume_flow(self._policy, plan, self._clock, trace, dep, exc)
            else:
                self._plain.answered(trace, dep, sent)  # type: ignore[union-attr]
                return _results.with_route(result, trace)

        def call(client: Client, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            if conversation is not None:  # args[0] is the messages
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return getattr(client, method)(action.deployment.model, sent, *args[1:], **kw)
            return getattr(client, method)(action.deployment.model, *args, **kw)

        result, trace = self._run(plan, started, call)
        return _results.with_route(result, trace)

    def complete(self, model: str, messages: Any, **kwargs: Any) -> Any:
        """``Client.complete`` over the group ``model``; the result's ``.route`` is the trace."""
        plain = self._plain
        if plain is not None and not kwargs and not self._planned:  # ``_routed``'s first case
            return self._plainly(plain, "complete", model, (messages,))
        return self._routed("complete", model, (messages,), kwargs, messages)

    def stream(self, model: str, messages: Any, **kwargs: Any) -> _results.RoutedStream:
        """``Client.stream`` over the group: falls back only until the first event arrives."""
        plan = self._plan(model, kwargs, messages)
        conversation = self._conversation(plan, messages, kwargs)

        def call(client: Client, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
            return _results.open_stream(client.stream(action.deployment.model, sent, **kw))

        stream, trace = self._run(plan, self._begin(plan), call)
        stream.route = trace
        counted = self._stream_tokens(trace, plan, messages)
        if counted is not None:
            key, estimate = counted

            def settle(completion: Any) -> None:
                tokens = _results.stream_tokens(completion, estimate)
                if tokens:
                    try:
                        self._ops["incr_window"](key, tokens, 60.0, self._clock())
                    except LLMKitError as exc:  # the stream is the caller's; a counter's failure is not
                        log.warning("the router could not count a stream's tokens: %s", exc)

            stream.settle = settle
        return stream  # type: ignore[no-any-return]

    def embed(self, model: str, inputs: Any, **kwargs: Any) -> Any:
        return self._routed("embed", model, (inputs,), kwargs)

    def count_tokens(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return self._routed("count_tokens", model, (messages,), kwargs)

    def generate_image(self, model: str, prompt: str, **kwargs: Any) -> Any:
        return self._routed("generate_image", model, (prompt,), kwargs)

    def rerank(self, model: str, query: str, documents: Sequence[Any], **kwargs: Any) -> Any:
        return self._routed("rerank", model, (query, documents), kwargs)

    def state(self) -> dict[str, Any]:
        """Health per deployment (cooldown, half-open, latency, in flight, rpm/tpm used) and the budget."""
        return self._snapshot(lambda name, args: self._ops[name](*args), self._clock())

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
