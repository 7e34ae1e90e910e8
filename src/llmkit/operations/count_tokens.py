"""Token counting: the provider's own count of a chat request's input, never an estimate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from llmkit import _guard
from llmkit._inputs import to_messages, to_tools
from llmkit._resolve import Resolved
from llmkit.dialects import require
from llmkit.dialects.base import ChatRequest
from llmkit.errors import ConfigurationError
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish, no_check
from llmkit.operations.chat import Messages
from llmkit.operations.settings import Settings
from llmkit.types import TokenCount
from llmkit.wire import HttpResponse, dumps


@dataclass(slots=True)
class CountTokensParams(Common):
    """Exact input-token count from the provider's own counting endpoint (where it has one).

    ``messages`` and ``tools`` are given as for ``complete``; nothing is generated. Providers
    without a counting endpoint raise NotSupportedError: llmkit gives no estimate. ``extra_body``
    fields are merged into the counting request's JSON body (its top level).
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
    return _guard.parse_count_tokens(r.dialect, resp, r.ctx)


COUNT_TOKENS: Operation[CountTokensParams, TokenCount] = Operation(
    name="count_tokens",
    method="count_tokens",
    capability="count_tokens",
    # Where the provider has no counting endpoint there is no count: llmkit gives no estimate.
    what="exact token counting (no estimate is given)",
    params=CountTokensParams,
    check=no_check,
    prepare=prepare_count_tokens,
    returns="TokenCount",
    async_returns="TokenCount",
    async_note=AWAITED,
    parse=parse_count_tokens,
)
