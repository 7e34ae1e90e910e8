"""Wire formats: pure translation between llmkit types and provider bytes.

A dialect is looked up by name, lazily, so importing llmkit loads none of them. Beyond chat, a
dialect implements only the operations its format has (``dialects.base``); ``operation`` tells
the operations layer which, and ``missing_methods`` what a dialect lacks for one (the registry
holds each spec's declared capabilities and quirks to it: ``providers.check_spec``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Literal, cast, overload

if TYPE_CHECKING:
    from llmkit.dialects.base import (
        ChatDialect,
        CountTokensDialect,
        Dialect,
        EmbedDialect,
        ImagesDialect,
        RerankDialect,
    )

# dialect name -> module that defines ``DIALECT``
_MODULES: dict[str, str] = {
    "openai_chat": "llmkit.dialects.openai_chat",
    "anthropic_messages": "llmkit.dialects.anthropic",
    "gemini": "llmkit.dialects.gemini",
    "bedrock_converse": "llmkit.dialects.bedrock",
    "sagemaker": "llmkit.dialects.sagemaker",
    "snowflake_cortex": "llmkit.dialects.snowflake_cortex",
    "oci": "llmkit.dialects.oci",
    "gigachat": "llmkit.dialects.gigachat",
    "sap_orchestration": "llmkit.dialects.sap_orchestration",
    "watsonx": "llmkit.dialects.watsonx",
    "replicate": "llmkit.dialects.replicate",
    "stability": "llmkit.dialects.stability",
    "ollama": "llmkit.dialects.ollama",
    "cohere": "llmkit.dialects.cohere",
    "voyage": "llmkit.dialects.vectors.voyage",
    "jina": "llmkit.dialects.vectors.jina",
    "tei": "llmkit.dialects.vectors.tei",
    "hf_inference": "llmkit.dialects.vectors.hf_inference",
    "bedrock_rerank": "llmkit.dialects.ranking.bedrock",
    "vertex_ranking": "llmkit.dialects.ranking.vertex",
    "nim_ranking": "llmkit.dialects.ranking.nim",
    "bedrock_cohere": "llmkit.dialects.bedrock_cohere",
    "tgi_generate": "llmkit.dialects.generate",
    "triton_generate": "llmkit.dialects.generate.triton",
    "yandex": "llmkit.dialects.yandex",
    "nlp_cloud": "llmkit.dialects.nlp_cloud",
    "petals": "llmkit.dialects.petals",
}

_loaded: dict[str, Dialect] = {}
# (dialect class, operation) -> does it implement it; one getattr sweep per pair, ever.
_implements: dict[tuple[type, str], bool] = {}

Operation = Literal["chat", "embeddings", "count_tokens", "images", "rerank"]


def register_dialect(name: str, module: str) -> None:
    _MODULES[name] = module


def get_dialect(name: str) -> Dialect:
    try:
        return _loaded[name]
    except KeyError:
        pass
    try:
        module = _MODULES[name]
    except KeyError:
        from llmkit.errors import ConfigurationError

        raise ConfigurationError(f"unknown dialect {name!r}; known: {', '.join(sorted(_MODULES))}") from None
    dialect: Dialect = importlib.import_module(module).DIALECT
    _loaded[name] = dialect
    return dialect


def missing_methods(dialect: object, operation: str) -> list[str]:
    """The methods ``operation`` needs that ``dialect`` lacks (none for a capability that is
    served by chat alone, such as ``tools`` or ``vision``)."""
    from llmkit.dialects.base import OPERATION_METHODS

    return [m for m in OPERATION_METHODS.get(operation, ()) if not callable(getattr(dialect, m, None))]


@overload
def operation(dialect: ChatDialect, op: Literal["chat"]) -> ChatDialect | None: ...
@overload
def operation(dialect: ChatDialect, op: Literal["embeddings"]) -> EmbedDialect | None: ...
@overload
def operation(dialect: ChatDialect, op: Literal["count_tokens"]) -> CountTokensDialect | None: ...
@overload
def operation(dialect: ChatDialect, op: Literal["images"]) -> ImagesDialect | None: ...
@overload
def operation(dialect: ChatDialect, op: Literal["rerank"]) -> RerankDialect | None: ...
def operation(
    dialect: ChatDialect, op: Operation
) -> ChatDialect | EmbedDialect | CountTokensDialect | ImagesDialect | RerankDialect | None:
    """``dialect`` as the typed protocol of ``op``, or None where its wire format lacks it."""
    key = (type(dialect), op)
    has = _implements.get(key)
    if has is None:
        has = _implements[key] = not missing_methods(dialect, op)
    # The protocols are structural: the methods checked above are exactly what the cast promises.
    return cast("EmbedDialect", dialect) if has else None


@overload
def require(dialect: ChatDialect, op: Literal["chat"]) -> ChatDialect: ...
@overload
def require(dialect: ChatDialect, op: Literal["embeddings"]) -> EmbedDialect: ...
@overload
def require(dialect: ChatDialect, op: Literal["count_tokens"]) -> CountTokensDialect: ...
@overload
def require(dialect: ChatDialect, op: Literal["images"]) -> ImagesDialect: ...
@overload
def require(dialect: ChatDialect, op: Literal["rerank"]) -> RerankDialect: ...
def require(
    dialect: ChatDialect, op: Operation
) -> ChatDialect | EmbedDialect | CountTokensDialect | ImagesDialect | RerankDialect:
    """``operation(dialect, op)``, or a NotSupportedError. The operations layer checks the spec's
    capability first (and names the providers that have it); a registered spec's dialect then
    always has the protocol, so this is the last word for a hand-made context only."""
    found = operation(dialect, op)
    if found is None:
        from llmkit.errors import NotSupportedError

        raise NotSupportedError(f"the {dialect.name} wire format has no {op} operation in llmkit")
    return found
