"""Public, provider-neutral types: messages, tools, completions, stream events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, cast

from llmkit.errors import ToolArgumentsError

if TYPE_CHECKING:
    from llmkit.catalog import Cost, CostUnavailable

Role = Literal["system", "developer", "user", "assistant", "tool"]


class FinishReason(StrEnum):
    """Why generation stopped, normalised across providers.

    ``CONTENT_FILTER`` covers both a provider's safety system stopping the output and the model
    refusing (OpenAI's ``message.refusal``, Anthropic's ``stop_reason: "refusal"``); a refusal
    also sets :attr:`Completion.refusal`, and ``raw_finish_reason`` keeps the provider's own value.
    """

    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    CONTENT_FILTER = "content_filter"
    ERROR = "error"
    OTHER = "other"


# ---------------------------------------------------------------- content parts


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    # Provider-specific annotations (e.g. Anthropic cache_control) travel here.
    cache_control: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image by URL, or inline as base64 ``data`` with its ``media_type``."""

    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    detail: str | None = None
    cache_control: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DocumentPart:
    """A document (PDF or text) by URL, or inline as base64 ``data``."""

    url: str | None = None
    data: str | None = None
    media_type: str = "application/pdf"
    title: str | None = None
    cache_control: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AudioPart:
    data: str
    format: str = "wav"


@dataclass(frozen=True, slots=True)
class ReasoningPart:
    """Model reasoning; kept (with its signature) so it can be sent back next turn."""

    text: str = ""
    signature: str | None = None
    redacted_data: str | None = None


Part = TextPart | ImagePart | DocumentPart | AudioPart | ReasoningPart


class ToolCall:
    """A tool call requested by the model.

    ``arguments`` is the decoded JSON object. If the model produced arguments
    that are not a JSON object, reading ``arguments`` raises
    :class:`~llmkit.errors.ToolArgumentsError`; ``raw_arguments`` and
    ``parse_error`` still tell what arrived.
    """

    __slots__ = ("_arguments", "id", "name", "parse_error", "raw_arguments")

    def __init__(self, id: str, name: str, arguments: Mapping[str, Any] | str | None = None) -> None:
        self.id = id
        self.name = name
        self.parse_error: str | None = None
        if arguments is None or arguments == "":
            # An empty argument string from a model means "no arguments".
            self._arguments: dict[str, Any] = {}
            self.raw_arguments = "" if arguments == "" else "{}"
        elif isinstance(arguments, str):
            self.raw_arguments = arguments
            try:
                value = json.loads(arguments)
            except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to decode
                value, self.parse_error = None, f"invalid JSON: {type(exc).__name__}: {exc}"
            if self.parse_error is None and not isinstance(value, dict):
                self.parse_error = f"expected a JSON object, got {type(value).__name__}"
            self._arguments = value if isinstance(value, dict) else {}
        else:
            self._arguments = dict(arguments)
            self.raw_arguments = json.dumps(self._arguments, ensure_ascii=False, separators=(",", ":"))

    @property
    def arguments(self) -> dict[str, Any]:
        if self.parse_error is not None:
            raise ToolArgumentsError(
                f"tool call {self.id!r} to {self.name!r} has malformed arguments: {self.parse_error}",
                raw_arguments=self.raw_arguments,
            )
        return self._arguments

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolCall):
            return NotImplemented
        return (self.id, self.name, self.raw_arguments) == (other.id, other.name, other.raw_arguments) or (
            self.id == other.id
            and self.name == other.name
            and self.parse_error is None
            and other.parse_error is None
            and self._arguments == other._arguments
        )

    def __hash__(self) -> int:
        return hash((self.id, self.name))

    def __repr__(self) -> str:
        args = self.raw_arguments if len(self.raw_arguments) < 200 else self.raw_arguments[:200] + "…"
        return f"ToolCall(id={self.id!r}, name={self.name!r}, arguments={args})"


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str | tuple[Part, ...] = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def text(self) -> str:
        content = self.content
        if isinstance(content, str):
            return content
        # The usual answer is one text part: no generator and join for it.
        if len(content) == 1 and type(content[0]) is TextPart:
            return content[0].text
        return "".join(p.text for p in content if isinstance(p, TextPart))

    @property
    def reasoning(self) -> str:
        if isinstance(self.content, str):
            return ""
        return "".join(p.text for p in self.content if isinstance(p, ReasoningPart))

    @property
    def parts(self) -> tuple[Part, ...]:
        if isinstance(self.content, str):
            return (TextPart(self.content),) if self.content else ()
        return self.content


# ---------------------------------------------------------------- tools


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None
    cache_control: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """Normalised structured-output request: a JSON schema, or any JSON object."""

    type: Literal["json_schema", "json_object"]
    schema: Mapping[str, Any] | None = None
    name: str = "response"
    strict: bool = True


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts, the same arithmetic for every provider.

    - ``input_tokens`` is the whole prompt: fresh tokens plus tokens read from and written to a
      prompt cache. ``cached_input_tokens`` (cache reads) and ``cache_creation_input_tokens``
      (cache writes) are parts of it, never extra. Anthropic and Bedrock report the fresh part
      alone; llmkit adds the cache parts back.
    - ``output_tokens`` is everything generated, reasoning included; ``reasoning_tokens`` is the
      part of it spent on reasoning. Gemini and xAI report reasoning outside their output count;
      llmkit adds it back.
    - ``total_tokens`` is the provider's own total when it gives one; when the parts above are
      complete it equals ``input_tokens + output_tokens``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0
    cache_creation_input_tokens: int = 0
    # The part of cache_creation_input_tokens written with a 1-hour lifetime (Anthropic prices
    # it apart from the default 5-minute write).
    cache_write_1h_tokens: int = 0
    # The service tier the provider says served the call (OpenAI's "flex", "priority", ...) and
    # the cost the provider itself reported (OpenRouter's usage.cost, USD): facts about the call
    # beside the counts, so two usages with the same counts still compare equal.
    service_tier: str | None = field(default=None, compare=False)
    reported_cost: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.total_tokens and (self.input_tokens or self.output_tokens):
            object.__setattr__(self, "total_tokens", self.input_tokens + self.output_tokens)


@dataclass(frozen=True, slots=True)
class Citation:
    """A source the answer cites: a web page (``url``, ``title``), or, from a grounded answer over
    documents the caller passed (Cohere's ``documents``), the cited span of the answer (``text``,
    ``start``/``end`` character offsets) and the ids of the documents or tool results it rests on
    (``sources``; ``url`` is then "")."""

    url: str = ""
    title: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None
    sources: tuple[str, ...] = ()


@dataclass(slots=True)
class Completion:
    message: Message
    finish_reason: FinishReason
    usage: Usage
    model: str
    provider: str
    id: str | None = None
    raw_finish_reason: str | None = None
    raw: Any = None
    parsed: Any = None
    citations: list[Citation] = field(default_factory=list)
    # The model declined to answer: its words (OpenAI's ``message.refusal``; Anthropic's
    # ``stop_details.explanation``, or "" when it gives none). None when it did not refuse.
    refusal: str | None = None
    # True when the answer came from the response cache (``cache=``), not from the provider.
    cached: bool = field(default=False, compare=False)

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def tool_calls(self) -> list[ToolCall]:
        return list(self.message.tool_calls)

    @property
    def reasoning(self) -> str:
        return self.message.reasoning

    @property
    def cost(self) -> Cost | None:
        """What this call cost (priced on first read from the catalog), or None when it cannot
        be known: :attr:`cost_reason` then says why. Never a made-up zero."""
        c = _cost(self.provider, self.model, self.usage)
        return cast("Cost", c) if c else None  # CostUnavailable is falsy, a Cost never

    @property
    def cost_reason(self) -> str | None:
        """Why :attr:`cost` is None; None when it is known."""
        c = _cost(self.provider, self.model, self.usage)
        return None if c else cast("CostUnavailable", c).reason


@dataclass(slots=True)
class Embeddings:
    vectors: list[list[float]]
    usage: Usage
    model: str
    provider: str
    raw: Any = None
    # True when the vectors came from the response cache (``cache=``).
    cached: bool = field(default=False, compare=False)

    @property
    def cost(self) -> Cost | None:
        """What this call cost, or None when unknown (:attr:`cost_reason` says why)."""
        c = _cost(self.provider, self.model, self.usage)
        return cast("Cost", c) if c else None  # CostUnavailable is falsy, a Cost never

    @property
    def cost_reason(self) -> str | None:
        c = _cost(self.provider, self.model, self.usage)
        return None if c else cast("CostUnavailable", c).reason


def _cost(provider: str, model: str, usage: Usage) -> Cost | CostUnavailable:
    # Priced only when asked: the catalog (and its data) loads on the first read of a cost.
    from llmkit.catalog import cost

    return cost(f"{provider}/{model}", usage)


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A chat request's input tokens. ``method`` says how they were counted:
    ``"endpoint:<provider>"`` (the provider's counting endpoint), ``"offline:<encoding>"``
    (llmkit's copy of the model's tokenizer) or ``"estimate:chars/4"``; ``exact`` is False
    whenever any part was approximated."""

    input_tokens: int
    exact: bool
    method: str = "endpoint"


# ---------------------------------------------------------------- stream events


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    index: int
    id: str | None = None
    name: str | None = None
    arguments_delta: str = ""


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str = ""
    signature: str | None = None
    redacted_data: str | None = None


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """A piece of the model's refusal (``text`` may be "" when the provider gives no words)."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    usage: Usage


@dataclass(frozen=True, slots=True)
class Finish:
    reason: FinishReason
    raw_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CitationsUpdate:
    citations: tuple[Citation, ...]


StreamEvent = (
    TextDelta | ToolCallDelta | ReasoningDelta | RefusalDelta | UsageUpdate | Finish | CitationsUpdate
)
