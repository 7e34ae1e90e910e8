"""JSON schema for a plain Python function, from its signature and docstring."""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import math
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
    if origin is tuple:
        return _tuple_schema(args)
    if origin in (set, frozenset):
        return {"type": "array", "items": type_schema(args[0] if args else Any), "uniqueItems": True}
    if origin in (list, collections.abc.Sequence, typing.Sequence):
        return {"type": "array", "items": type_schema(args[0] if args else Any)}
    if origin is dict:
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": type_schema(value)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [type_schema(a) for a in args]}
    if origin is typing.Annotated:
        return type_schema(args[0])
    if tp is tuple:
        return {"type": "array"}
    if tp in (set, frozenset):
        return {"type": "array", "uniqueItems": True}
    raise ConfigurationError(f"cannot express type {tp!r} as a JSON schema")


def _tuple_schema(args: tuple[Any, ...]) -> dict[str, Any]:
    # tuple[int, ...] is a list of ints; tuple[int, str] a fixed pair (JSON Schema 2020-12 prefixItems).
    if len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": type_schema(args[0])}
    if args == ((),):  # tuple[()]: the empty tuple
        args = ()
    return {
        "type": "array",
        "prefixItems": [type_schema(a) for a in args],
        "items": False,
        "minItems": len(args),
        "maxItems": len(args),
    }


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
    """A Tool for a function, a bound method, a ``functools.partial`` (bound arguments are not
    parameters) or a callable object (named after its class). What JSON cannot express is a
    ConfigurationError naming the function and the parameter."""
    name, documented, annotated, bound = _unwrap(fn)
    doc = inspect.getdoc(documented) or ""
    summary = doc.split("\n\n", 1)[0].strip()
    hints = _hints(annotated, name)
    descriptions = _param_docs(doc)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the signature of tool {name!r}: {exc}") from None
    props: dict[str, Any] = {}
    required: list[str] = []
    for pname, param in params.items():
        if pname in bound:
            continue  # bound by functools.partial: not the model's to give
        where = f"tool {name!r}, parameter {pname!r}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise ConfigurationError(
                f"{where}: {star}{pname} cannot be described to a model; name each parameter, "
                "or pass a Tool with an explicit JSON schema"
            )
        try:
            schema = type_schema(hints.get(pname, Any))
        except ConfigurationError as exc:
            raise ConfigurationError(f"{where}: {exc.message}") from None
        if pname in descriptions:
            schema["description"] = descriptions[pname]
        if param.default is param.empty:
            required.append(pname)
        else:
            schema["default"] = _json_default(param.default, where)
        props[pname] = schema
    parameters = {"type": "object", "properties": props, "required": required}
    return Tool(name, summary, parameters)


def _unwrap(fn: Any) -> tuple[str, Any, Any, frozenset[str]]:
    """(tool name, what documents it, what holds its annotations, names bound by a partial)."""
    bound: frozenset[str] = frozenset()
    target = fn
    if isinstance(fn, functools.partial):
        target = fn.func  # partial() flattens nested partials, so one level is enough
        try:
            positional = list(inspect.signature(target).parameters)[: len(fn.args)]
        except (TypeError, ValueError):
            positional = []
        bound = frozenset(positional) | frozenset(fn.keywords)
    if isinstance(target, type):
        raise ConfigurationError(
            f"cannot use the class {target.__name__} as a tool: pass a function, a Tool or a pydantic model"
        )
    if not inspect.isroutine(target):
        # A callable object: its class gives the name (and the docs, if it has its own), __call__
        # the signature.
        cls = type(target)
        call = cls.__call__
        return cls.__name__, cls if cls.__doc__ else call, call, bound
    named = getattr(target, "__name__", None)
    if not isinstance(named, str) or not named.isidentifier():
        raise ConfigurationError(
            f"a tool needs a name, and {fn!r} has none: def a named function, "
            "or pass Tool(name=..., description=..., parameters=...)"
        )
    return named, target, target, bound


def _hints(source: Any, name: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(source, include_extras=True)
    except NameError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raw = getattr(source, "__annotations__", None) or {}
        params = [p for p, a in raw.items() if isinstance(a, str) and missing in a and p != "return"]
        where = f"parameter {params[0]!r}" if params else "an annotation"
        raise ConfigurationError(
            f"tool {name!r}, {where}: the name {missing!r} does not resolve; import it where the "
            "function is defined (not only under TYPE_CHECKING)"
        ) from None
    except Exception as exc:  # a malformed string annotation, a broken __annotations__
        raise ConfigurationError(f"tool {name!r}: its annotations cannot be read ({exc})") from None


def _json_default(value: Any, where: str) -> Any:
    """A default as JSON, or a ConfigurationError: a schema says what the default is, exactly."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise ConfigurationError(f"{where}: the default {value!r} is not JSON (use None)")
    if isinstance(value, (list, tuple)):
        return [_json_default(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_default(v, where) for k, v in value.items()}
    raise ConfigurationError(
        f"{where}: the default {value!r} is not JSON; use None (and set the real default inside), "
        "or a str, number, bool, list or dict"
    )
