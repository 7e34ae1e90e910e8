"""llmkit: one typed API for every LLM provider.

``import llmkit`` is cheap: the HTTP stack, providers and dialects load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # functions
    "complete": "llmkit.functions",
    "acomplete": "llmkit.functions",
    "stream": "llmkit.functions",
    "astream": "llmkit.functions",
    "embed": "llmkit.functions",
    "aembed": "llmkit.functions",
    "count_tokens": "llmkit.functions",
    "acount_tokens": "llmkit.functions",
    "generate_image": "llmkit.functions",
    "agenerate_image": "llmkit.functions",
    "rerank": "llmkit.functions",
    "arerank": "llmkit.functions",
    # clients
    "Client": "llmkit.api",
    "AsyncClient": "llmkit.api",
    "Timeout": "llmkit._timeout",
    "Stream": "llmkit._stream",
    "AsyncStream": "llmkit._stream",
    # types
    "Message": "llmkit.types",
    "TextPart": "llmkit.types",
    "ImagePart": "llmkit.types",
    "DocumentPart": "llmkit.types",
    "AudioPart": "llmkit.types",
    "ReasoningPart": "llmkit.types",
    "Tool": "llmkit.types",
    "ToolCall": "llmkit.types",
    "Completion": "llmkit.types",
    "Usage": "llmkit.types",
    "FinishReason": "llmkit.types",
    "Citation": "llmkit.types",
    "Embeddings": "llmkit.types",
    "TokenCount": "llmkit.types",
    "Images": "llmkit.images",
    "GeneratedImage": "llmkit.images",
    "Ranking": "llmkit.ranking",
    "RankedDocument": "llmkit.ranking",
    "TextDelta": "llmkit.types",
    "ToolCallDelta": "llmkit.types",
    "ReasoningDelta": "llmkit.types",
    "RefusalDelta": "llmkit.types",
    "UsageUpdate": "llmkit.types",
    "Finish": "llmkit.types",
    "CitationsUpdate": "llmkit.types",
    # errors
    "LLMKitError": "llmkit.errors",
    "ConfigurationError": "llmkit.errors",
    "NotSupportedError": "llmkit.errors",
    "ProviderError": "llmkit.errors",
    "errors": "llmkit.errors",
    # router
    "Router": "llmkit.router._sync",
    "AsyncRouter": "llmkit.router._async",
    # registry
    "ProviderSpec": "llmkit.providers.spec",
    "register_provider": "llmkit.providers",
    # interactive logins (GitHub Copilot's device flow)
    "login_copilot": "llmkit._cli_copilot",
    # catalog and cost (issue 15): data loads on first use
    "catalog": "llmkit.catalog",
    "model_info": "llmkit.catalog",
    "cost": "llmkit.catalog",
    "Cost": "llmkit.catalog",
    "CostUnavailable": "llmkit.catalog",
    "ModelInfo": "llmkit.catalog",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmkit' has no attribute {name!r}")
    mod = importlib.import_module(module)
    modules = ("errors", "catalog")  # exported as modules, not attributes of one
    value = mod if name in modules else getattr(mod, "register" if name == "register_provider" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *_EXPORTS]


if TYPE_CHECKING:
    from llmkit import catalog as catalog
    from llmkit import errors as errors
    from llmkit._cli_copilot import login_copilot as login_copilot
    from llmkit._stream import AsyncStream as AsyncStream
    from llmkit._stream import Stream as Stream
    from llmkit._timeout import Timeout as Timeout
    from llmkit.api import AsyncClient as AsyncClient
    from llmkit.api import Client as Client
    from llmkit.catalog import Cost as Cost
    from llmkit.catalog import CostUnavailable as CostUnavailable
    from llmkit.catalog import ModelInfo as ModelInfo
    from llmkit.catalog import cost as cost
    from llmkit.catalog import model_info as model_info
    from llmkit.errors import ConfigurationError as ConfigurationError
    from llmkit.errors import LLMKitError as LLMKitError
    from llmkit.errors import NotSupportedError as NotSupportedError
    from llmkit.errors import ProviderError as ProviderError
    from llmkit.functions import acomplete as acomplete
    from llmkit.functions import acount_tokens as acount_tokens
    from llmkit.functions import aembed as aembed
    from llmkit.functions import agenerate_image as agenerate_image
    from llmkit.functions import arerank as arerank
    from llmkit.functions import astream as astream
    from llmkit.functions import complete as complete
    from llmkit.functions import count_tokens as count_tokens
    from llmkit.functions import embed as embed
    from llmkit.functions import generate_image as generate_image
    from llmkit.functions import rerank as rerank
    from llmkit.functions import stream as stream
    from llmkit.images import GeneratedImage as GeneratedImage
    from llmkit.images import Images as Images
    from llmkit.providers import register as register_provider  # noqa: F401
    from llmkit.providers.spec import ProviderSpec as ProviderSpec
    from llmkit.ranking import RankedDocument as RankedDocument
    from llmkit.ranking import Ranking as Ranking
    from llmkit.types import AudioPart as AudioPart
    from llmkit.types import Citation as Citation
    from llmkit.types import CitationsUpdate as CitationsUpdate
    from llmkit.types import Completion as Completion
    from llmkit.types import DocumentPart as DocumentPart
    from llmkit.types import Embeddings as Embeddings
    from llmkit.types import Finish as Finish
    from llmkit.types import FinishReason as FinishReason
    from llmkit.types import ImagePart as ImagePart
    from llmkit.types import Message as Message
    from llmkit.types import ReasoningDelta as ReasoningDelta
    from llmkit.types import ReasoningPart as ReasoningPart
    from llmkit.types import RefusalDelta as RefusalDelta
    from llmkit.types import TextDelta as TextDelta
    from llmkit.types import TextPart as TextPart
    from llmkit.types import TokenCount as TokenCount
    from llmkit.types import Tool as Tool
    from llmkit.types import ToolCall as ToolCall
    from llmkit.types import ToolCallDelta as ToolCallDelta
    from llmkit.types import Usage as Usage
    from llmkit.types import UsageUpdate as UsageUpdate
