"""Every operation llmkit offers, declared once (parameters, preparation, parser).

The public shells (``Client``/``AsyncClient`` methods and the module functions) are generated
from ``OPERATIONS`` by ``python -m llmkit.operations._codegen``.

The names below load on first use: a chat call imports ``operations.chat`` and never the
image, embedding, token-count or rerank declarations (issue 17).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# exported name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "Common": "llmkit.operations.base",
    "Declaration": "llmkit.operations.base",
    "Operation": "llmkit.operations.base",
    "Prepared": "llmkit.operations.base",
    "StreamOperation": "llmkit.operations.base",
    "prepare": "llmkit.operations.base",
    "COMPLETE": "llmkit.operations.chat",
    "STREAM": "llmkit.operations.chat",
    "ChatParams": "llmkit.operations.chat",
    "StreamParams": "llmkit.operations.chat",
    "COUNT_TOKENS": "llmkit.operations.count_tokens",
    "CountTokensParams": "llmkit.operations.count_tokens",
    "EMBED": "llmkit.operations.embed",
    "EmbedParams": "llmkit.operations.embed",
    "GENERATE_IMAGE": "llmkit.operations.images",
    "ImageParams": "llmkit.operations.images",
    "RERANK": "llmkit.operations.rerank",
    "RerankParams": "llmkit.operations.rerank",
    "ClientOptions": "llmkit.operations.settings",
    "Settings": "llmkit.operations.settings",
}

# In the order the shells list them: (module, declaration name).
_ORDER = (
    ("llmkit.operations.chat", "COMPLETE"),
    ("llmkit.operations.chat", "STREAM"),
    ("llmkit.operations.embed", "EMBED"),
    ("llmkit.operations.count_tokens", "COUNT_TOKENS"),
    ("llmkit.operations.images", "GENERATE_IMAGE"),
    ("llmkit.operations.rerank", "RERANK"),
)

__all__ = sorted([*_EXPORTS, "OPERATIONS"])


def __getattr__(name: str) -> Any:
    if name == "OPERATIONS":  # every declaration: loads every operation module
        value: Any = tuple(getattr(importlib.import_module(m), n) for m, n in _ORDER)
    else:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'llmkit.operations' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from llmkit.operations.base import Common as Common
    from llmkit.operations.base import Declaration as Declaration
    from llmkit.operations.base import Operation as Operation
    from llmkit.operations.base import Prepared as Prepared
    from llmkit.operations.base import StreamOperation as StreamOperation
    from llmkit.operations.base import prepare as prepare
    from llmkit.operations.chat import COMPLETE as COMPLETE
    from llmkit.operations.chat import STREAM as STREAM
    from llmkit.operations.chat import ChatParams as ChatParams
    from llmkit.operations.chat import StreamParams as StreamParams
    from llmkit.operations.count_tokens import COUNT_TOKENS as COUNT_TOKENS
    from llmkit.operations.count_tokens import CountTokensParams as CountTokensParams
    from llmkit.operations.embed import EMBED as EMBED
    from llmkit.operations.embed import EmbedParams as EmbedParams
    from llmkit.operations.images import GENERATE_IMAGE as GENERATE_IMAGE
    from llmkit.operations.images import ImageParams as ImageParams
    from llmkit.operations.rerank import RERANK as RERANK
    from llmkit.operations.rerank import RerankParams as RerankParams
    from llmkit.operations.settings import ClientOptions as ClientOptions
    from llmkit.operations.settings import Settings as Settings

    OPERATIONS: tuple[Declaration[Any], ...]
