"""How an endpoint that speaks Anthropic Messages differs from Anthropic's own API, as data.

A spec sets ``ProviderSpec.quirks`` to an ``AnthropicQuirks``; ``None`` (or the
default instance) is the public API exactly: ``POST {base}/v1/messages``, the
model in the body, the API version in the ``anthropic-version`` header (which
the spec's ``default_headers`` carry).

Paths may hold ``{model}`` and the spec's ``{param}`` placeholders, so a
gateway that names the model in the URL (Vertex AI's
``…/publishers/anthropic/models/{model}:rawPredict``) is a different template,
not a different code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from llmkit._urls import alias_host, fill_path
from llmkit.dialects.base import CallContext, Quirks

__all__ = ["DEFAULT_QUIRKS", "AnthropicQuirks", "quirks_of"]


@dataclass(frozen=True, slots=True)
class AnthropicQuirks(Quirks):
    # Appended to the base URL for a message; ``{model}`` and ``{param}`` are filled per call.
    messages_path: str = "/v1/messages"
    # The path for a streamed message; ``None`` means ``messages_path`` (the body's ``stream`` decides).
    stream_messages_path: str | None = None
    count_tokens_path: str = "/v1/messages/count_tokens"
    # Sent as the body field ``anthropic_version`` when set (gateways that take no version header).
    body_version: str | None = None
    # False: the model is named only by the URL, and the body must not carry it.
    model_in_body: bool = True
    # The token-counting body names the model (true even where message bodies do not).
    count_tokens_model_in_body: bool = True
    # Hosts a ``{location}`` template yields but the service answers elsewhere (exact host -> host).
    host_aliases: Mapping[str, str] = field(default_factory=dict)


DEFAULT_QUIRKS = AnthropicQuirks()


def quirks_of(ctx: CallContext) -> AnthropicQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, AnthropicQuirks) else DEFAULT_QUIRKS


def _base(ctx: CallContext, q: AnthropicQuirks) -> str:
    # ``resolve`` has applied the spec's aliases already; this covers a hand-made CallContext.
    return alias_host(ctx.base_url.rstrip("/"), q.host_aliases)


def url_for(ctx: CallContext, template: str) -> str:
    """The base URL (host aliases applied) plus ``template`` with its placeholders filled."""
    q = quirks_of(ctx)
    # ``{model}`` goes in as one percent-encoded segment (``claude-…@20250929`` -> ``…%4020250929``,
    # which Google decodes as it does for every one-segment path variable).
    return _base(ctx, q) + fill_path(template, ctx.params, ctx.model, ctx.provider)
