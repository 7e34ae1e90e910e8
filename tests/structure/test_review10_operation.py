"""What a new operation gets from the framework without copying anything (review of issue 10):

* its parser runs behind one shared guard in both drivers, so a parser that skipped ``_guard``
  still ends in a ResponseDecodeError naming the provider, never a bare exception;
* the shell generator finds its result class where its module imports it (no SOURCES entry);
* its module functions and its result type are exported by ``llmkit`` (lazily, and to type
  checkers), which nothing generated checks otherwise.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit import functions
from llmkit.emulator import Emulator, Script
from llmkit.errors import LLMKitError, ResponseDecodeError, StructuredOutputError
from llmkit.operations import EMBED, OPERATIONS, EmbedParams
from llmkit.operations._codegen import family, render_api, render_family, render_functions
from llmkit.operations.base import Prepared
from llmkit.wire import HttpResponse


def _careless_parse(p: Prepared[Any], resp: HttpResponse) -> Any:
    return {}["data"]  # a parser that reads drifted JSON without the guard


# Without embed's own flow (``run``: its batches), so the careless parser is the one called.
CARELESS = dataclasses.replace(EMBED, parse=_careless_parse, run=None)


def _check(info: pytest.ExceptionInfo[ResponseDecodeError]) -> None:
    err = info.value
    assert err.provider == "openai" and "KeyError" in str(err) and "embed response" in str(err)
    for linked in (err.__cause__, err.__context__):
        assert linked is None or isinstance(linked, LLMKitError)


def test_a_parser_outside_the_guard_is_guarded_sync(emu: Emulator) -> None:
    with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("openai")) as client:
        with pytest.raises(ResponseDecodeError) as info:
            client._call(
                CARELESS, EmbedParams("openai/text-embedding-3-small", inputs="hi", provider_options={})
            )
    _check(info)


def test_a_parser_outside_the_guard_is_guarded_async(emu: Emulator) -> None:
    async def go() -> None:
        async with llmkit.AsyncClient(api_key=emu.api_key, base_url=emu.base_url("openai")) as client:
            params = EmbedParams("openai/text-embedding-3-small", inputs="hi", provider_options={})
            await client._call(CARELESS, params)

    with pytest.raises(ResponseDecodeError) as info:
        asyncio.run(go())
    _check(info)


TOY_SOURCE = '''
from __future__ import annotations

from dataclasses import dataclass

from llmkit.operations.base import AWAITED, Common, Operation, no_check
from llmkit.types import Usage


@dataclass(slots=True)
class ToyParams(Common):
    """Count nothing, for the generator's test."""

    text: str


TOY = Operation(
    name="toy", method="toy", capability="chat", what="toys", params=ToyParams, check=no_check,
    prepare=None, returns="Usage", async_returns="Usage", async_note=AWAITED, parse=None,
)
'''


def test_the_generator_imports_a_result_class_from_where_the_operation_imports_it() -> None:
    module = types.ModuleType("llmkit_review10_toy_op")
    sys.modules[module.__name__] = module
    try:
        exec(compile(textwrap.dedent(TOY_SOURCE), "<toy>", "exec"), module.__dict__)
        toy = module.TOY
        # The toy's module functions are in their own module; llmkit.functions names them.
        assert family(toy) == "_functions_llmkit_review10_toy_op"
        for text in (render_api((toy,)), render_family(family(toy), (toy,))):
            assert "from llmkit.types import Usage" in text
            compile(text, "<generated>", "exec")
        text = render_functions((toy,))
        assert '"toy": "llmkit._functions_llmkit_review10_toy_op",' in text
        compile(text, "<generated>", "exec")
    finally:
        del sys.modules[module.__name__]


def _type_checking_names(init: Path) -> set[str]:
    tree = ast.parse(init.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom):
                    names |= {a.asname or a.name for a in imp.names}
    return names


def test_every_operation_is_exported_by_llmkit() -> None:
    exports: dict[str, str] = llmkit._EXPORTS  # type: ignore[attr-defined]
    typed = _type_checking_names(Path(llmkit.__file__))
    shells = [n for n in functions.__all__ if not n.startswith("default_")]
    results = {name for op in OPERATIONS for name in (op.returns, op.async_returns)}
    for name in [*shells, *sorted(results)]:
        assert name in exports, f"llmkit._EXPORTS lacks {name!r} (llmkit/__init__.py)"
        assert name in typed, f"llmkit/__init__.py's `if TYPE_CHECKING:` block does not import {name!r}"
        assert getattr(llmkit, name) is not None
    for op in OPERATIONS:
        assert exports[op.method] == exports["a" + op.method] == "llmkit.functions"


def test_the_shared_guard_leaves_a_typed_error_as_it_is(emu: Emulator) -> None:
    """A StructuredOutputError keeps the validator's own error as its cause through the guard."""
    pydantic = pytest.importorskip("pydantic")

    class Answer(pydantic.BaseModel):
        n: int

    emu.script(Script(text='{"n": "not a number"}'))
    with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("openai")) as client:
        with pytest.raises(StructuredOutputError) as info:
            client.complete("openai/gpt-4o-mini", "n?", response_format=Answer)
    assert isinstance(info.value.__cause__, pydantic.ValidationError)
    assert info.value.completion is not None
