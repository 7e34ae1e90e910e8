"""Embedding vectors that are not vectors of finite numbers are ResponseDecodeErrors, for every
embedding dialect, sync and async. Before, ``float()`` over each value let through booleans (as 1.0),
numeric strings ("1.5"), NaN and Infinity, and an empty or null vector became ``[]``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import test_typed_decode as td

from llmkit import AsyncClient, Client
from llmkit.errors import ResponseDecodeError

MODES = ["sync", "async"]
# The four embedding dialects' recorded bodies, and where each keeps its vectors.
EMBEDS = [(model, tree) for kind, model, tree in td.OTHER_CALLS if kind == "embed"]
BAD_VECTORS = [[1.0, True], [0.5, "1.5"], [float("nan"), 0.1], [0.1, float("inf")], [], None, [0.1, None]]


def _with_vectors(tree: Any, vector: Any) -> Any:
    """``tree`` with every list of numbers replaced by ``vector``."""
    if isinstance(tree, dict):
        return {k: _with_vectors(v, vector) for k, v in tree.items()}
    if isinstance(tree, list):
        if tree and all(type(x) in (int, float) for x in tree):
            return vector
        return [_with_vectors(x, vector) for x in tree]
    return tree


# The decode tests' hostile loopback server (with its fake AWS environment), shared.
hostile = td.hostile


def _embed(mode: str, hostile: td.Hostile, model: str) -> Any:
    kw = td._kwargs(hostile, model)
    args = td._args_for("embed", model)
    if mode == "sync":
        with Client(max_retries=0) as c:
            return c.embed(*args, **kw)

    async def main() -> Any:
        async with AsyncClient(max_retries=0) as c:
            return await c.embed(*args, **kw)

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("model", "tree"), EMBEDS, ids=[m for m, _ in EMBEDS])
@pytest.mark.parametrize("vector", BAD_VECTORS, ids=repr)
def test_a_vector_that_is_not_finite_numbers(
    vector: Any, model: str, tree: Any, mode: str, hostile: td.Hostile
) -> None:
    body = _with_vectors(tree, vector)
    assert body != tree
    hostile.serve(td.Reply(200, td._dump(body).encode()))
    with pytest.raises(ResponseDecodeError) as info:
        _embed(mode, hostile, model)
    assert "embedding" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("model", "tree"), EMBEDS, ids=[m for m, _ in EMBEDS])
def test_integers_in_a_vector_are_still_read_as_floats(
    model: str, tree: Any, mode: str, hostile: td.Hostile
) -> None:
    hostile.serve(td.Reply(200, td._dump(_with_vectors(tree, [1, 0, -2])).encode()))
    out = _embed(mode, hostile, model)
    assert out.vectors[0] == [1.0, 0.0, -2.0] and all(type(x) is float for x in out.vectors[0])
