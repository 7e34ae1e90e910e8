"""What the routing policy yields: the actions the shells carry out (``policy.route_flow``)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from llmkit.router.config import Deployment
from llmkit.router.trace import RouteTrace

__all__ = ["Action", "Attempt", "Batch", "Flow", "Notify", "Record", "StateOp", "Wait"]

# A state operation: a ``StateBackend`` method's name and its arguments. A plain tuple, not a
# class: the router builds a few per call, and a tuple costs a tenth of an instance to build.
StateOp = tuple[str, tuple[Any, ...]]
# State operations whose answers do not depend on one another, answered as a list in order: one
# resume of the policy for all of them, and one pipeline on a backend that has ``batch`` (Redis:
# one round trip). Each operation stays atomic on its own; the batch is not.
Batch = list[StateOp]


@dataclass(slots=True)
class Record:
    """State operations whose answers nothing reads (what an answer changes: the in-flight
    release, a latency sample, tokens counted). A backend with ``record(ops)`` takes them
    without the caller waiting for their replies (Redis: written at once, the replies read and
    checked before the connection's next command), so a routed call waits for one round trip,
    not two; on any other backend the shell carries them out as a ``Batch``. The flow is sent
    None back."""

    ops: Batch


@dataclass(slots=True)
class Attempt:
    deployment: Deployment
    max_retries: int  # what the deployment's client may retry on its own (granted from the budget)
    timeout: float | None  # seconds left of the call's deadline (or the deployment's own timeout)
    trace: RouteTrace | None = None  # the call's, for what the shell does to the request (a conversion)


@dataclass(slots=True)
class Wait:
    seconds: float


@dataclass(slots=True)
class Notify:
    """Tell the observers (only yielded when the router has some): ``kind`` is "fallback" or
    "retry"; ``fields`` are the event's."""

    kind: str
    fields: dict[str, Any]


Action = StateOp | Batch | Record | Attempt | Wait | Notify


# The policy's generator: it returns the result and its trace.
Flow = Generator[Action, Any, tuple[Any, RouteTrace]]
