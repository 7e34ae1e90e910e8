"""mypy --strict sees every keyword of every operation's public shells, as declared.

``test_ops_shells`` type-checks hand-written user code, which a new operation's keywords never
reach. Here the user code is written from ``OPERATIONS``: for each operation, a function whose
parameters carry exactly the declared annotations passes each one by keyword to all four shells
(through ``llmkit.<name>`` and ``llmkit.Client``/``AsyncClient``, so the package's type-checking
exports are exercised too) and asserts the declared return type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmkit.operations import OPERATIONS, Declaration, StreamOperation
from llmkit.operations._codegen import _all_annotations
from llmkit.operations._codegen_imports import _imports
from llmkit.operations._codegen_shell import Param, signature


def _args(positional: list[Param], keywords: list[Param]) -> str:
    names = [p.name for p in positional] + [f"{p.name}={p.name}" for p in keywords]
    return ", ".join([*names, "some_provider_option=1"])


def _user_code(op: Declaration[Any]) -> list[str]:
    positional, keywords = signature(op.params)
    params = ", ".join(
        ["client: llmkit.Client", "aclient: llmkit.AsyncClient"]
        + [f"{p.name}: {p.annotation}" for p in positional]
        + ["*"]
        + [f"{p.name}: {p.annotation}" for p in keywords]
    )
    args = _args(positional, keywords)
    awaited = "" if isinstance(op, StreamOperation) else "await "
    return [
        f"def use_{op.method}({params}) -> None:",
        f"    assert_type(llmkit.{op.method}({args}), {op.returns})",
        f"    assert_type(client.{op.method}({args}), {op.returns})",
        "",
        "",
        f"async def ause_{op.method}({params}) -> None:",
        f"    assert_type({awaited}llmkit.a{op.method}({args}), {op.async_returns})",
        f"    assert_type({awaited}aclient.{op.method}({args}), {op.async_returns})",
        "",
        "",
    ]


def user_code() -> str:
    lines = _imports(_all_annotations(OPERATIONS, False), [("typing", "assert_type")], OPERATIONS)
    lines += ["import llmkit", "", ""]
    for op in OPERATIONS:
        lines += _user_code(op)
    return "\n".join(lines)


def test_every_declared_keyword_type_checks_on_every_shell(tmp_path: Path) -> None:
    from mypy import api as mypy_api

    code = tmp_path / "every_keyword.py"
    code.write_text(user_code())
    cache = str(tmp_path / ".mypy_cache")
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", cache, str(code)])
    assert status == 0, out + err + code.read_text()
