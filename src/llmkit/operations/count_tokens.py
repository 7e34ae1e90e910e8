"""Token counting: the provider's own count where it has a counting endpoint, else llmkit's.

A provider with the ``count_tokens`` capability is asked (``method="endpoint:<provider>"``);
for any other the count is made offline by ``llmkit.tokens`` (exact for OpenAI encodings, an
estimate flagged ``exact=False`` elsewhere), without a request and without a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from llmkit import _guard
from llmkit._inputs import to_messages, to_tools
from llmkit._resolve import Resolved, check_options, route, split_model
from llmkit.dialects import require
from llmkit.dialects.base import ChatRequest
from llmkit.errors import ConfigurationError, LLMKitError
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish, no_check
from llmkit.operations.chat import Messages
from llmkit.operations.settings import Settings
from llmkit.providers import get_spec
from llmkit.types import TokenCount
from llmkit.wire import HttpResponse, dumps


@dataclass(slots=True)
class CountTokensParams(Common):
    """Count a chat request's input tokens: ``TokenCount(input_tokens, exact, method)``.

    ``messages`` and ``tools`` are given as for ``complete``; nothing is generated. A provider
    with a counting endpoint is asked (``method="endpoint:<provider>"``, exact); for any other
    llmkit counts offline, with no request and no key: exactly for models on OpenAI encodings
    (``method="offline:o200k_base"``; tools and images are OpenAI's published reconstructions,
    flagged ``exact=False``), else an estimate (``"estimate:chars/4"``, ``exact=False``).
    ``extra_body`` fields are merged into the counting request's JSON body (its top level).
    """

    messages: Messages
    tools: Iterable[Any] | None = None


def prepare_count_tokens(s: Settings, p: CountTokensParams, r: Resolved) -> Prepared[ChatRequest]:
    req = ChatRequest(r.ctx.model, to_messages(p.messages), to_tools(p.tools), options=r.options)
    http = _guard.build(require(r.dialect, "count_tokens").build_count_tokens, req, r.ctx)
    if p.extra_body:
        # Applied here rather than by each dialect: a counting body is a subset of a chat body,
        # and a dialect's filter to that subset would drop the caller's fields without a word.
        if not isinstance(http.json, dict):
            raise ConfigurationError(f"{r.spec.name}: this token-counting request has no JSON body to extend")
        body = {**http.json, **p.extra_body}
        http.json, http.body = body, dumps(body)
    return finish(s, r, http, p, req)


def parse_count_tokens(p: Prepared[ChatRequest], resp: HttpResponse) -> TokenCount:
    r = p.resolved
    count = _guard.parse_count_tokens(r.dialect, resp, r.ctx)
    return replace(count, method=f"endpoint:{r.spec.name}")


def count_locally(p: CountTokensParams) -> TokenCount | None:
    """The offline count when the model's provider has no counting endpoint; None otherwise (or
    when the model string is wrong: ``prepare`` then raises the usual error)."""
    try:
        provider, name = split_model(p.model)
        spec = route(get_spec(provider), name)
    except LLMKitError:
        return None
    if spec.supports("count_tokens"):
        return None
    if p.provider_options:
        # Options are checked as for a call (a misspelt one is an error here too), then unused.
        check_options(spec, p.provider_options)
    from llmkit.tokens import count_offline

    return count_offline(name, to_messages(p.messages), to_tools(p.tools), provider)


COUNT_TOKENS: Operation[CountTokensParams, TokenCount] = Operation(
    name="count_tokens",
    method="count_tokens",
    capability="count_tokens",
    what="token counting through a counting endpoint",
    params=CountTokensParams,
    check=no_check,
    prepare=prepare_count_tokens,
    returns="TokenCount",
    async_returns="TokenCount",
    async_note=AWAITED,
    parse=parse_count_tokens,
    local=count_locally,
)
