"""JSON schema for a plain Python function, from its signature and docstring."""

from __future__ import annotations

import enum
import inspect
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from llmkit.errors import ConfigurationError
from llmkit.types import Tool

_SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dict: {"type": "object"},
    list: {"type": "array"},
    type(None): {"type": "null"},
    Any: {},
}


def type_schema(tp: Any) -> dict[str, Any]:
    if tp in _SIMPLE:
        return dict(_SIMPLE[tp])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if isinstance(tp, type) and hasattr(tp, "model_json_schema"):
        schema: dict[str, Any] = tp.model_json_schema()
        return schema
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (list, tuple, set, frozenset) or origin is typing.Sequence:
        item = args[0] if args else Any
        return {"type": "array", "items": type_schema(item)}
    if origin is dict:
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": type_schema(value)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [type_schema(a) for a in args]}
    if origin is typing.Annotated:
        return type_schema(args[0])
    raise ConfigurationError(f"cannot express type {tp!r} as a JSON schema")


def _param_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from Google-style ``Args:`` or Sphinx ``:param x:`` docstrings."""
    out: dict[str, str] = {}
    for m in re.finditer(r":param\s+(\w+):\s*(.+)", doc):
        out[m.group(1)] = m.group(2).strip()
    section = re.search(r"^\s*(?:Args|Arguments|Parameters):\s*\n((?:[ \t]+.+\n?)+)", doc, re.MULTILINE)
    if section:
        current: str | None = None
        indent = None
        for line in section.group(1).splitlines():
            width = len(line) - len(line.lstrip())
            head = re.match(r"\s+(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
            if head and (indent is None or width <= indent):
                indent, current = width, head.group(1)
                if current not in out:
                    out[current] = head.group(2).strip()
                else:
                    current = None
            elif current is not None and line.strip():
                # A wrapped description continues on a deeper-indented line.
                out[current] = f"{out[current]} {line.strip()}".strip()
    return out


def function_tool(fn: Callable[..., Any]) -> Tool:
    doc = inspect.getdoc(fn) or ""
    summary = doc.split("\n\n", 1)[0].strip()
    hints = typing.get_type_hints(fn, include_extras=True)
    descriptions = _param_docs(doc)
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or name in ("self", "cls"):
            continue
        schema = type_schema(hints.get(name, Any))
        if name in descriptions:
            schema["description"] = descriptions[name]
        if param.default is param.empty:
            required.append(name)
        elif param.default is None or isinstance(param.default, (str, int, float, bool)):
            schema["default"] = param.default
        props[name] = schema
    parameters = {"type": "object", "properties": props, "required": required}
    return Tool(fn.__name__, summary, parameters)
