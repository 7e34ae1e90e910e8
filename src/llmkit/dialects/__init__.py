"""Wire formats: pure translation between llmkit types and provider bytes.

A dialect is looked up by name, lazily, so importing llmkit loads none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmkit.dialects.base import Dialect

# dialect name -> module that defines ``DIALECT``
_MODULES: dict[str, str] = {
    "openai_chat": "llmkit.dialects.openai_chat",
    "anthropic_messages": "llmkit.dialects.anthropic",
    "gemini": "llmkit.dialects.gemini",
    "bedrock_converse": "llmkit.dialects.bedrock",
    "sagemaker": "llmkit.dialects.sagemaker",
}

_loaded: dict[str, Dialect] = {}


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
