"""A routed call's conversation, converted for each deployment's wire format (issue 16).

The router knows each deployment's format (its provider spec's dialect, plus a provider's own
rule such as Mistral's tool-call ids) from its configuration, once. A call whose messages were
written for one format (the group's first deployment's, unless the caller names another) is sent
unchanged to a deployment of that format, and converted by ``convert`` for any other; the
conversion's changes go into the decision trace. A router whose deployments all share one format
does none of this (one attribute test per attempt).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmkit.errors import ConfigurationError
from llmkit.router.config import Deployment
from llmkit.router.convert import (
    FORMATS,
    PROVIDER_FORMATS,
    Conversion,
    FormatRules,
    Reasoning,
    convert,
    rules_for,
)

__all__ = ["CallConversation", "Formats", "check_reasoning", "for_attempt", "start"]

# Call keywords the router reads and does not pass on to the deployment's client.
SOURCE_KEYWORD = "messages_format"
REASONING_KEYWORD = "fallback_reasoning"


def check_reasoning(value: Any) -> Reasoning:
    if value not in ("drop", "text"):
        raise ConfigurationError(f"fallback_reasoning must be 'drop' or 'text', not {value!r}")
    return "text" if value == "text" else "drop"


def deployment_format(dep: Deployment) -> FormatRules:
    """The rules of the format ``dep`` is spoken in: its spec's dialect (after the spec's model
    routes, as a call resolves it), with the provider's own rule where it has one."""
    from llmkit._resolve import route, split_model
    from llmkit.providers import get_spec

    try:
        provider, name = split_model(dep.model)
        spec = route(get_spec(provider), name)
    except ConfigurationError:
        # An unknown provider fails at its call, as it did before formats were read here.
        return rules_for(dep.provider, dep.provider)
    return rules_for(spec.dialect, provider)


def named_format(name: Any) -> FormatRules:
    """``messages_format=``: a dialect name (``anthropic_messages``) or a provider name (``anthropic``)."""
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"messages_format must name a wire format or a provider, not {name!r}")
    if name in FORMATS:
        return FORMATS[name]
    if name in PROVIDER_FORMATS:
        return PROVIDER_FORMATS[name]
    from llmkit.providers import get_spec

    return rules_for(get_spec(name).dialect, name)


@dataclass(slots=True)
class Formats:
    """Each deployment's format, and each group's (its first deployment's), built once."""

    of: Mapping[str, FormatRules]  # deployment id -> its format
    groups: Mapping[str, FormatRules]  # group -> the format a conversation for it is written in
    mixed: bool  # False: every deployment speaks one format, nothing is ever converted

    @classmethod
    def build(cls, groups: Mapping[str, Sequence[Deployment]]) -> Formats:
        of = {d.id: deployment_format(d) for deps in groups.values() for d in deps}
        firsts = {g: of[deps[0].id] for g, deps in groups.items() if deps}
        return cls(of, firsts, len(set(of.values())) > 1)


@dataclass(slots=True)
class CallConversation:
    """One call's conversation as it was passed, and its conversions so far (one per format:
    a retry or a second deployment of the same format sends the same converted request)."""

    messages: Any
    tools: Any
    source: FormatRules
    reasoning: Reasoning
    _typed: tuple[Any, Any] | None = None
    _done: dict[FormatRules, Conversion] = field(default_factory=dict)

    def for_format(self, target: FormatRules) -> Conversion | None:
        """The conversation for ``target``; None when it is the source's (sent as passed)."""
        if target == self.source or isinstance(self.messages, str):
            return None
        done = self._done.get(target)
        if done is None:
            messages, tools = self._as_llmkit()
            done = self._done[target] = convert(
                messages, self.source, target, reasoning=self.reasoning, tools=tools
            )
        return done

    def _as_llmkit(self) -> tuple[Any, Any]:
        # The client's own normalisers: dicts and Message objects read as a call would read them.
        if self._typed is None:
            from llmkit._inputs import to_messages, to_tools

            tools = None if self.tools is None else to_tools(self.tools)
            self._typed = (to_messages(self.messages), tools)
        return self._typed


def start(
    formats: Formats, group: str, messages: Any, kwargs: dict[str, Any], default: Reasoning
) -> CallConversation | None:
    """The call's conversation, when some deployment may need it converted; takes the router's
    own keywords (``messages_format``, ``fallback_reasoning``) out of ``kwargs`` either way."""
    named = kwargs.pop(SOURCE_KEYWORD, None) if SOURCE_KEYWORD in kwargs else None
    asked = kwargs.pop(REASONING_KEYWORD, None) if REASONING_KEYWORD in kwargs else None
    reasoning = default if asked is None else check_reasoning(asked)
    source = None if named is None else named_format(named)
    if not formats.mixed or messages is None or isinstance(messages, str):
        return None
    if source is None:
        source = formats.groups.get(group)
        if source is None:
            return None
    return CallConversation(messages, kwargs.get("tools"), source, reasoning)


def for_attempt(
    conversation: CallConversation | None,
    formats: Formats,
    attempt: Any,
    messages: Any,
    kwargs: dict[str, Any],
    now: float,
) -> Any:
    """The messages to send on this attempt (``kwargs``' tools replaced too when converted);
    each change the conversion made is a ``convert`` step of the call's trace."""
    if conversation is None:
        return messages
    dep = attempt.deployment
    target = formats.of[dep.id]
    done = conversation.for_format(target)
    if done is None:
        return messages
    if done.tools is not None:
        kwargs["tools"] = list(done.tools)
    trace = attempt.trace
    if trace is not None:
        where = f"{conversation.source.name} -> {target.name}"
        for change in done.changes or ("nothing to change",):
            trace.add("convert", dep.group, dep.id, f"{where}: {change}", now)
    return list(done.messages)
