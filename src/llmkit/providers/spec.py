"""``ProviderSpec``: a provider as data.

A provider that speaks an existing wire format is one ``ProviderSpec``: where
to send requests, how to authenticate, which dialect to speak, which options it
takes, and its named quirks. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from llmkit.errors import ConfigurationError

if TYPE_CHECKING:
    from llmkit.dialects.base import Quirks

AuthStyle = Literal["bearer", "header", "none", "custom"]

# Capability flags used across the registry (and in the generated docs).
CAPABILITIES = (
    "chat",
    "stream",
    "tools",
    "vision",
    "json_schema",
    "json_object",
    "embeddings",
    "reasoning",
    "count_tokens",
    "images",
    "rerank",
)


@dataclass(frozen=True, slots=True)
class Param:
    """A URL/query/header parameter resolved per call: keyword option, then env vars, then default.

    ``kind`` names the check every value must pass before it fills a template (``llmkit._urls.KINDS``:
    ``region``, ``gcp_project``, ``origin``, ``url_root``, ``hex``, ``dns_label``, ``path_segment``,
    ``token``); ``pattern`` (a full-match regular expression) replaces it for a spec's own rule.
    Neither set means ``path_segment``. A param is demanded exactly when the URL chosen for the
    call (the spec's, a region's or ``base_url=``) or the spec's query has its placeholder, so a
    ``base_url=`` that already names the resource needs none; a path or body that needs an unset
    one raises when it is built. ``required`` is kept for the docs and older specs (``False``: the
    usual setup gives ``base_url=`` instead). ``aliases`` are other keyword names for the same
    option (``region=`` for a Vertex AI ``location``)."""

    env: tuple[str, ...] = ()
    default: str | None = None
    required: bool = True
    doc: str = ""
    kind: str = ""
    pattern: str = ""
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A spec with an unknown kind or a broken pattern fails where it is declared, not per call.
        from llmkit._urls import KINDS

        if self.kind and self.kind not in KINDS:
            raise ConfigurationError(f"unknown Param kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ConfigurationError(
                    f"Param pattern {self.pattern!r} is not a regular expression: {exc}"
                ) from None


# The normalised ``input_type=`` values of ``embed`` (a spec maps the ones its provider offers to
# its wire values) and the normalised ``encoding=`` values.
INPUT_TYPES: tuple[str, ...] = ("query", "document", "classification", "clustering", "similarity")
ENCODINGS: tuple[str, ...] = ("float", "base64", "int8", "uint8", "binary", "ubinary")


@dataclass(frozen=True, slots=True)
class EmbeddingSpec:
    """What a provider's embeddings endpoint takes, as its docs state it (cite them in the spec's
    notes). ``max_inputs`` and ``max_tokens`` are the per-request limits (inputs, and tokens of
    all inputs together): ``embed`` splits a longer list into batches under them. ``input_types``
    maps the normalised ``input_type=`` values the provider offers to its wire values, and
    ``encodings`` the normalised ``encoding=`` values (``float`` when absent: the default);
    any other value is refused before anything is sent. ``by_model`` overrides the whole entry for
    model names matching a pattern (``prefix*``, ``*suffix``, ``*infix*`` or exact), first match wins."""

    max_inputs: int | None = None
    max_tokens: int | None = None
    input_types: Mapping[str, str] = field(default_factory=dict)
    encodings: Mapping[str, str] = field(default_factory=dict)
    by_model: tuple[tuple[str, EmbeddingSpec], ...] = ()
    # Body field names where a format lets providers differ: ``encoding``, ``dimensions``,
    # ``input_type``, and ``dtype`` where the quantised encodings have a field of their own
    # (Mistral: ``{"dimensions": "output_dimension", "dtype": "output_dtype"}``).
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [k for k in self.input_types if k not in INPUT_TYPES]
        bad += [k for k in self.encodings if k not in ENCODINGS]
        if bad or (self.max_inputs is not None and self.max_inputs < 1):
            raise ConfigurationError(f"EmbeddingSpec: unknown input_type/encoding names {bad}")

    def for_model(self, model: str) -> EmbeddingSpec:
        for pattern, entry in self.by_model:
            if _matches(pattern, model):
                return entry
        return self


def _matches(pattern: str, name: str) -> bool:
    if len(pattern) > 1 and pattern.startswith("*") and pattern.endswith("*"):
        return pattern[1:-1] in name  # a Bedrock inference profile or ARN around the model id
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return name.endswith(pattern[1:])
    return name == pattern


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    dialect: str
    # May hold ``{param}`` placeholders resolved from ``params``.
    base_url: str
    env_keys: tuple[str, ...] = ()
    auth: AuthStyle = "bearer"
    auth_header: str = "authorization"
    auth_prefix: str = "Bearer "
    key_required: bool = True
    # "module:attribute" of an ``llmkit.auth.base.AuthFactory`` (its options declared) for auth="custom".
    auth_factory: str | None = None
    # Named base URLs chosen with ``region=``.
    regions: Mapping[str, str] = field(default_factory=dict)
    default_region: str | None = None
    # Hosts that a filled-in template produces but that are spelled otherwise in reality
    # (Vertex AI: ``global-aiplatform.googleapis.com`` is ``aiplatform.googleapis.com``).
    host_aliases: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Param] = field(default_factory=dict)
    default_headers: Mapping[str, str] = field(default_factory=dict)
    # Query parameters added to every request; values may hold ``{param}`` placeholders.
    query: Mapping[str, str] = field(default_factory=dict)
    # Provider keyword options sent as body fields (name -> body field).
    body_options: Mapping[str, str] = field(default_factory=dict)
    # Provider keyword options sent as headers (name -> header).
    header_options: Mapping[str, str] = field(default_factory=dict)
    capabilities: frozenset[str] = frozenset({"chat", "stream", "tools"})
    # Dialect-specific quirks: an instance of the dialect's ``quirks_type`` (``OpenAIQuirks``,
    # ``AnthropicQuirks``, ``GeminiQuirks``; checked at registration); None: the dialect's defaults.
    quirks: Quirks | None = None
    docs_url: str = ""
    notes: str = ""
    # Prefix this provider's model ids carry on the wire, if any.
    display_name: str = ""
    # Model names served by another spec: ``(pattern, spec name)`` pairs tried in order, where a
    # pattern is ``prefix*``, ``*suffix`` or an exact name (``vertex_ai/claude-…`` ->
    # ``vertex_ai_anthropic``). Consulted once, by ``resolve``; the target's own routes are not.
    model_routes: tuple[tuple[str, str], ...] = ()
    # The embeddings endpoint's documented limits, input types and encodings (``embed``); None:
    # no documented limit, no input types, floats only.
    embedding: EmbeddingSpec | None = None
    # Other environment variables that hold the base URL, as the vendor's SDK names them (Cohere's
    # ``CO_API_URL``), read after ``<NAME>_BASE_URL``; each replaces the base URL as a whole.
    base_url_env: tuple[str, ...] = ()

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def title(self) -> str:
        return self.display_name or self.name
