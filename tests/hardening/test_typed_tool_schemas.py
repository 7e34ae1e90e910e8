"""Tool schemas from Python callables: partials, callable objects, methods, tuples; a clear
ConfigurationError (naming the function and the parameter) for what JSON cannot express; never
NaN or Infinity on the wire."""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from llmkit import AsyncClient, Client
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError
from llmkit.types import Tool

if TYPE_CHECKING:
    from decimal import Decimal

MODEL = "openai/gpt-4o-mini"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def sent_tools(mode: str, emu: Emulator, tools: list[Any]) -> list[dict[str, Any]]:
    """The tools as they went over the wire (the emulator's view of the request)."""
    kw: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url(), "tools": tools}
    if mode == "sync":
        with Client() as client:
            client.complete(MODEL, "hi", **kw)
    else:

        async def go() -> None:
            async with AsyncClient() as client:
                await client.complete(MODEL, "hi", **kw)

        asyncio.run(go())
    body = emu.requests[-1].json()
    return [t["function"] for t in body["tools"]]


def refused(mode: str, emu: Emulator, tools: list[Any]) -> str:
    with pytest.raises(ConfigurationError) as info:
        sent_tools(mode, emu, tools)
    assert emu.requests == []
    return str(info.value)


def search(query: str, limit: int = 5, *, exact: bool = False) -> list[str]:
    """Search the docs.

    Args:
        query: What to look for.
        limit: How many results.
        exact: Match the phrase exactly.
    """
    return [query]


def test_partial_drops_bound_arguments(mode: str, emu: Emulator) -> None:
    (fn,) = sent_tools(mode, emu, [functools.partial(search, limit=3)])
    assert fn["name"] == "search"
    assert fn["description"] == "Search the docs."
    assert set(fn["parameters"]["properties"]) == {"query", "exact"}
    assert fn["parameters"]["required"] == ["query"]


def test_partial_with_positional_and_nested(mode: str, emu: Emulator) -> None:
    nested = functools.partial(functools.partial(search, "fixed"), exact=True)
    (fn,) = sent_tools(mode, emu, [nested])
    assert fn["name"] == "search"
    assert set(fn["parameters"]["properties"]) == {"limit"}
    assert fn["parameters"]["required"] == []


class Calculator:
    """Add two numbers."""

    def __call__(self, a: int, b: int = 1) -> int:
        return a + b


class Undocumented:
    def __call__(self, text: str) -> str:
        """Shout the text."""
        return text.upper()


def test_callable_object_is_named_after_its_class(mode: str, emu: Emulator) -> None:
    calc, shout = sent_tools(mode, emu, [Calculator(), Undocumented()])
    assert calc["name"] == "Calculator" and calc["description"] == "Add two numbers."
    props = calc["parameters"]["properties"]
    assert props == {"a": {"type": "integer"}, "b": {"type": "integer", "default": 1}}
    assert calc["parameters"]["required"] == ["a"]
    assert shout["name"] == "Undocumented" and shout["description"] == "Shout the text."
    assert list(shout["parameters"]["properties"]) == ["text"]


class Shop:
    def price(self, item: str) -> float:
        """Price of an item."""
        return 1.0

    @classmethod
    def stock(cls, item: str) -> int:
        """Items in stock."""
        return 1


def test_bound_methods_drop_self_and_cls(mode: str, emu: Emulator) -> None:
    price, stock = sent_tools(mode, emu, [Shop().price, Shop.stock])
    assert price["name"] == "price" and list(price["parameters"]["properties"]) == ["item"]
    assert stock["name"] == "stock" and list(stock["parameters"]["properties"]) == ["item"]


def move(self: str, cls: int) -> None:
    """A plain function whose parameters happen to be called self and cls."""


def test_self_on_a_plain_function_is_kept(mode: str, emu: Emulator) -> None:
    (fn,) = sent_tools(mode, emu, [move])
    assert fn["parameters"]["required"] == ["self", "cls"]


def pair(point: tuple[int, str], many: tuple[float, ...], empty: tuple[()], bag: set[str]) -> None:
    """Tuples."""


def test_tuple_schemas(mode: str, emu: Emulator) -> None:
    (fn,) = sent_tools(mode, emu, [pair])
    props = fn["parameters"]["properties"]
    assert props["point"] == {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
        "items": False,
        "minItems": 2,
        "maxItems": 2,
    }
    assert props["many"] == {"type": "array", "items": {"type": "number"}}
    assert props["empty"]["maxItems"] == 0
    assert props["bag"] == {"type": "array", "items": {"type": "string"}, "uniqueItems": True}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def defaults(
    color: Color = Color.RED, tags: tuple[str, ...] = ("a",), opts: dict[str, int] | None = None
) -> None:
    """JSON defaults."""


def test_json_defaults_are_sent(mode: str, emu: Emulator) -> None:
    (fn,) = sent_tools(mode, emu, [defaults])
    props = fn["parameters"]["properties"]
    assert props["color"]["default"] == "red"
    assert props["tags"]["default"] == ["a"]
    assert props["opts"]["default"] is None


def star_args(city: str, *rest: str) -> None:
    """Bad."""


def star_kwargs(city: str, **extra: Any) -> None:
    """Bad."""


def takes_callable(city: str, callback: Callable[[str], None]) -> None:
    """Bad."""


def forward_ref(city: str, amount: Decimal) -> None:  # Decimal is imported only for type checking
    """Bad."""


def nan_default(city: str, scale: float = math.nan) -> None:
    """Bad."""


def inf_default(city: str, scale: float = math.inf) -> None:
    """Bad."""


def object_default(city: str, sentinel: Any = object()) -> None:  # noqa: B008
    """Bad."""


def nested_nan_default(city: str, weights: list[float] = [1.0, math.nan]) -> None:  # noqa: B006
    """Bad."""


@pytest.mark.parametrize(
    ("fn", "words"),
    [
        (star_args, ["star_args", "rest", "*rest"]),
        (star_kwargs, ["star_kwargs", "extra", "**extra"]),
        (takes_callable, ["takes_callable", "callback"]),
        (forward_ref, ["forward_ref", "amount", "Decimal"]),
        (nan_default, ["nan_default", "scale", "nan"]),
        (inf_default, ["inf_default", "scale", "inf"]),
        (object_default, ["object_default", "sentinel", "not JSON"]),
        (nested_nan_default, ["nested_nan_default", "weights"]),
        (lambda city: city, ["needs a name", "Tool("]),
        (dict, ["class dict"]),
        (functools.partial(lambda x, y: x, 1), ["needs a name"]),
    ],
    ids=[
        "*args",
        "**kwargs",
        "Callable",
        "forward ref",
        "NaN default",
        "inf default",
        "object default",
        "nested NaN default",
        "lambda",
        "a class",
        "partial of a lambda",
    ],
)
def test_what_json_cannot_express(mode: str, emu: Emulator, fn: Any, words: list[str]) -> None:
    message = refused(mode, emu, [fn])
    for word in words:
        assert word in message, message


def test_no_nan_on_the_wire_from_a_hand_written_schema(mode: str, emu: Emulator) -> None:
    tool = Tool("f", "", {"type": "object", "properties": {"x": {"type": "number", "maximum": math.inf}}})
    assert "NaN" in refused(mode, emu, [tool])
    nan_dict = {"type": "function", "function": {"name": "f", "parameters": {"default": math.nan}}}
    refused(mode, emu, [nan_dict])


def test_no_nan_on_the_wire_for_any_dialect(emu: Emulator) -> None:
    for model, profile in [
        ("anthropic/claude-sonnet-4-5", "anthropic"),
        ("gemini/gemini-2.0-flash", "gemini"),
        (MODEL, "openai"),
    ]:
        with Client() as client, pytest.raises(ConfigurationError, match="NaN"):
            client.complete(
                model, "hi", api_key=emu.api_key, base_url=emu.base_url(profile), temperature=0.5,
                extra_body={"x": [math.nan]},
            )  # fmt: skip
    assert emu.requests == []


def test_sent_schemas_are_plain_json(mode: str, emu: Emulator) -> None:
    tools = sent_tools(mode, emu, [search, Calculator(), pair, defaults])
    text = json.dumps(tools, allow_nan=False)  # raises if anything non-finite slipped through
    assert "Infinity" not in text
