"""One shell's source text, for ``_codegen``: its signature (from the operation's parameters
dataclass), its docstring (the parameters' and the common keywords', re-wrapped) and its
one-statement body handing the operation to the driver."""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, Field, dataclass, fields
from typing import Any

from llmkit.operations import Common, Declaration, StreamOperation
from llmkit.operations._codegen_imports import _import_line
from llmkit.operations.chat import COMPLETE

# Docstring text width: the deepest shell (a method) indents by 8, and lines stay under 110.
DOC_WIDTH = 96
# The declarations' module the shells import at load: chat's (``complete``/``stream``, and the
# ``Messages`` alias ``llmkit.api`` re-exports). Any other operation loads on its first call.
EAGER = COMPLETE.params.__module__


# ---------------------------------------------------------------- what a shell's signature is


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str
    default: str | None  # source text; None for a required positional parameter


def _default_text(f: Field[Any]) -> str:
    value = f.default
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    raise TypeError(f"{f.name}: a shell default must be None, a bool, an int or a str, not {value!r}")


def _annotation(f: Field[Any]) -> str:
    if not isinstance(f.type, str):  # the declaring module lacks `from __future__ import annotations`
        raise TypeError(f"{f.name}: its annotation must be source text, got {f.type!r}")
    return f.type


def signature(params: type[Any]) -> tuple[list[Param], list[Param]]:
    """The positional parameters, then the keyword-only ones (the operation's own, then the common
    ones); ``provider_options`` is the ``**`` parameter every operation ends with."""
    common = {f.name for f in fields(Common)}
    positional: list[Param] = []
    own: list[Param] = []
    for f in fields(params):
        if f.kw_only:
            continue
        if f.default is MISSING and f.default_factory is MISSING:
            positional.append(Param(f.name, _annotation(f), None))
        else:
            own.append(Param(f.name, _annotation(f), _default_text(f)))
    shared = [
        Param(f.name, _annotation(f), _default_text(f))
        for f in fields(params)
        if f.kw_only and f.name in common and f.name != "provider_options"
    ]
    return positional, own + shared


def docstring(op: Declaration[Any], is_async: bool) -> str:
    """The shells' docstring: the parameters' (then the common keywords'), re-wrapped to one width,
    with the async note on async shells."""
    text = [_doc(op.params), _doc(Common)]
    if is_async and op.async_note:
        text.append(op.async_note)
    return "\n\n".join(_wrap(t) for t in text)


def _doc(cls: type[Any]) -> str:
    doc = cls.__dict__.get("__doc__")
    if not doc:
        raise TypeError(f"{cls.__name__} needs a docstring: it is the shells' documentation")
    return inspect.cleandoc(doc)


def _wrap(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(
        textwrap.fill(p, DOC_WIDTH, break_long_words=False, break_on_hyphens=False) for p in paragraphs
    )


# ---------------------------------------------------------------- rendering


def _quote_doc(doc: str, indent: str) -> list[str]:
    if '"""' in doc or "\\" in doc:
        raise ValueError("a shell docstring cannot hold triple quotes or backslashes")
    lines = doc.split("\n")
    if len(lines) == 1:
        return [f'{indent}"""{doc}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


def _def(
    indent: str, name: str, is_async: bool, first: Sequence[str], positional: Sequence[Param],
    keywords: Sequence[Param], var_keyword: str | None, returns: str,
) -> list[str]:  # fmt: skip
    inner = indent + "    "
    lines = [f"{indent}{'async ' if is_async else ''}def {name}("]
    lines += [f"{inner}{p}," for p in first]
    lines += [f"{inner}{p.name}: {p.annotation}," for p in positional]
    lines.append(f"{inner}*,")
    lines += [f"{inner}{p.name}: {p.annotation} = {p.default}," for p in keywords]
    if var_keyword is not None:
        lines.append(f"{inner}**{var_keyword}: Any,")
    lines.append(f"{indent}) -> {returns}:")
    return lines


def _construct(indent: str, cls: str, names: Iterable[str], close: str) -> list[str]:
    inner = indent + "    "
    return [f"{indent}{cls}(", *(f"{inner}{n}={n}," for n in names), f"{indent}){close}"]


def _const(op: Declaration[Any]) -> str:
    module = sys.modules[op.params.__module__]
    return next(k for k, v in vars(module).items() if v is op and k.isupper())


def _shell(op: Declaration[Any], indent: str, target: str, is_async: bool, method: bool) -> list[str]:
    """One method (``target`` is ``self``) or module function (``target`` the default client)."""
    positional, keywords = signature(op.params)
    streams = isinstance(op, StreamOperation)
    awaited = is_async and not streams
    returns = op.async_returns if is_async else op.returns
    name = op.method if method or not is_async else "a" + op.method
    first = ["self"] if method else []
    lines = _def(indent, name, awaited, first, positional, keywords, "provider_options", returns)
    body = indent + "    "
    lines += _quote_doc(docstring(op, is_async), body)
    call = "_stream" if streams else "_call"
    module = op.params.__module__
    if module != EAGER:  # loaded by its first call, not with the shells
        lines += [_import_line(module, {_const(op), op.params.__name__}, body), ""]
    lines.append(f"{body}return {'await ' if awaited else ''}{target}.{call}(")
    lines.append(f"{body}    {_const(op)},")
    names = [p.name for p in positional + keywords] + ["provider_options"]
    lines += _construct(body + "    ", op.params.__name__, names, ",")
    lines.append(f"{body})")
    return lines
