"""``OpenAIQuirks``: where one OpenAI-compatible provider departs from OpenAI's own wire format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.types import Completion, StreamEvent

ErrorFields = tuple[str, str | None, str | None]  # message, type, code


@dataclass(frozen=True, slots=True)
class OpenAIQuirks(Quirks):
    # Appended to the base URL; ``{model}`` and ``{param}`` placeholders are filled per call
    # (Azure OpenAI: ``/deployments/{model}/chat/completions``).
    chat_path: str = "/chat/completions"
    embeddings_path: str = "/embeddings"
    # Images (capability ``images``): generations take JSON, edits and variations multipart;
    # None for variations where the provider has none.
    images_path: str = "/images/generations"
    image_edits_path: str = "/images/edits"
    image_variations_path: str | None = "/images/variations"
    # model -> the generate_image parameters it takes (llmkit.dialects.base.IMAGE_PARAMETERS);
    # None: by OpenAI's model families (dialects/openai_chat/_images.py).
    image_parameters: Callable[[str], frozenset[str]] | None = None
    # Path for streamed chat when it differs (Vertex AI partners: ``…:streamRawPredict``); None: chat_path.
    stream_chat_path: str | None = None
    # OpenAI itself wants max_completion_tokens; most compatible servers want max_tokens.
    max_tokens_field: str = "max_tokens"
    # Send stream_options.include_usage so the last chunk carries usage.
    stream_usage: bool = True
    # Error codes that mean "bad credentials" whatever the status (xAI answers 400 for a bad key).
    auth_error_codes: frozenset[str] = frozenset()
    content_filter_codes: frozenset[str] = frozenset({"content_filter", "content_policy_violation"})
    context_codes: frozenset[str] = frozenset({"context_length_exceeded", "string_above_max_length"})
    # Error codes that mean "rate limited" whatever the status (Databricks can answer a 400 with
    # REQUEST_LIMIT_EXCEEDED; its SDK maps the code, not the status).
    rate_limit_codes: frozenset[str] = frozenset()
    # 429s that will not clear by waiting (billing), so are never retried.
    no_retry_codes: frozenset[str] = frozenset({"insufficient_quota"})
    # Reads (message, type, code) from a non-standard error body; None for the OpenAI shape.
    error_fields: Callable[[Any], ErrorFields] | None = None
    # Adds provider extras (citations, ...) to a finished Completion from the raw body.
    response_hook: Callable[[Mapping[str, Any], Completion], None] | None = None
    # Turns provider extras in a stream chunk into events (e.g. CitationsUpdate).
    chunk_hook: Callable[[Mapping[str, Any]], list[StreamEvent]] | None = None
    # The value the server writes in a usage count it did not make, read as 0 (Xinference's
    # documented reply: -1 in every field). None: every count is taken as sent.
    uncounted: int | None = None
    # Last word on the request body (rename or drop a field the provider rejects).
    body_hook: Callable[[dict[str, Any], ChatRequest, CallContext], None] | None = None


DEFAULT_QUIRKS = OpenAIQuirks()


def quirks_of(ctx: CallContext) -> OpenAIQuirks:
    # The registry holds a spec's quirks to its dialect's type, so anything else here is None.
    q = ctx.spec.quirks
    return q if isinstance(q, OpenAIQuirks) else DEFAULT_QUIRKS
