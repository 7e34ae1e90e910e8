"""Every operation llmkit offers, declared once (parameters, preparation, parser).

The public shells (``Client``/``AsyncClient`` methods and the module functions) are generated
from ``OPERATIONS`` by ``python -m llmkit.operations._codegen``.
"""

from __future__ import annotations

from typing import Any

from llmkit.operations.base import Common, Declaration, Operation, Prepared, StreamOperation, prepare
from llmkit.operations.chat import COMPLETE, STREAM, ChatParams, StreamParams
from llmkit.operations.count_tokens import COUNT_TOKENS, CountTokensParams
from llmkit.operations.embed import EMBED, EmbedParams
from llmkit.operations.images import GENERATE_IMAGE, ImageParams
from llmkit.operations.rerank import RERANK, RerankParams
from llmkit.operations.settings import ClientOptions, Settings

# In the order the shells list them.
OPERATIONS: tuple[Declaration[Any], ...] = (COMPLETE, STREAM, EMBED, COUNT_TOKENS, GENERATE_IMAGE, RERANK)

__all__ = [
    "COMPLETE",
    "COUNT_TOKENS",
    "EMBED",
    "GENERATE_IMAGE",
    "OPERATIONS",
    "RERANK",
    "STREAM",
    "ChatParams",
    "ClientOptions",
    "Common",
    "CountTokensParams",
    "Declaration",
    "EmbedParams",
    "ImageParams",
    "Operation",
    "Prepared",
    "RerankParams",
    "Settings",
    "StreamOperation",
    "StreamParams",
    "prepare",
]
