"""The public shells agree with their declarations and with each other.

``Client``/``AsyncClient`` methods and the module functions are generated from
``llmkit.operations``; these tests fail when a generated file is edited by hand or left stale,
when two shells of one operation differ in any parameter (name, kind, default, annotation) or in
their docstring, when a bare ``**kwargs`` appears, or when the two clients differ in anything but
the differences listed here.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit import api, functions
from llmkit.operations import OPERATIONS, ClientOptions, Common, StreamOperation, _codegen, _codegen_shell

# The only ways the two clients may differ, and why.
CONSTRUCTOR_ONLY = {
    # httpx2 is the sync transport; AsyncClient runs on aiohttp.
    "Client": {"http_client"},
    "AsyncClient": set(),
}
PUBLIC_ONLY = {
    "Client": {"close", "__enter__", "__exit__"},
    "AsyncClient": {"aclose", "__aenter__", "__aexit__"},
}


def _shells(op: Any) -> dict[str, Any]:
    return {
        "Client": getattr(api.Client, op.method),
        "AsyncClient": getattr(api.AsyncClient, op.method),
        "functions": getattr(functions, op.method),
        "async functions": getattr(functions, "a" + op.method),
    }


def _params(fn: Any) -> list[tuple[str, Any, Any, Any]]:
    sig = inspect.signature(fn)
    return [(p.name, p.kind, p.default, p.annotation) for p in sig.parameters.values() if p.name != "self"]


def test_the_generated_files_are_up_to_date() -> None:
    assert _codegen.main(["--check"]) == 0, "run python -m llmkit.operations._codegen"


def test_check_fails_on_a_hand_edited_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _codegen.TARGETS:
        shutil.copy(_codegen.ROOT / name, tmp_path / name)
    edited = tmp_path / "functions.py"
    edited.write_text(edited.read_text().replace("max_tokens: int | None = None", "max_tokens: int = 0", 1))
    monkeypatch.setattr(_codegen, "ROOT", tmp_path)
    assert _codegen.stale() == ["functions.py"]
    assert _codegen.main(["--check"]) == 1
    # Without --check it rewrites the file, and then the check passes.
    assert _codegen.main([]) == 0
    assert _codegen.main(["--check"]) == 0
    assert edited.read_text() == (Path(api.__file__).parent / "functions.py").read_text()


def test_check_fails_on_a_missing_generated_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _codegen.TARGETS:
        shutil.copy(_codegen.ROOT / name, tmp_path / name)
    (tmp_path / "_functions_rerank.py").unlink()
    monkeypatch.setattr(_codegen, "ROOT", tmp_path)
    assert _codegen.stale() == ["_functions_rerank.py"]
    assert _codegen.main([]) == 0
    assert _codegen.stale() == []


def test_the_module_functions_live_by_operation() -> None:
    """functions.py holds chat's; each other operation module's are in ``_functions_<module>``,
    reached through llmkit.functions (and llmkit) as the same objects."""
    for op in OPERATIONS:
        for name in (op.method, "a" + op.method):
            fn = getattr(functions, name)
            assert fn is getattr(llmkit, name)
            assert fn.__module__ == f"llmkit.{_codegen.family(op)}", name
    assert _codegen.family(OPERATIONS[0]) == "functions"
    assert {_codegen.family(op) for op in OPERATIONS} == {
        "functions",
        "_functions_embed",
        "_functions_count_tokens",
        "_functions_images",
        "_functions_rerank",
    }
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        functions.nope  # noqa: B018


def test_a_chat_call_loads_no_other_module_functions() -> None:
    code = "import sys, llmkit; llmkit.complete; llmkit.astream; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert "llmkit.functions" in out.stdout
    assert "llmkit._functions_" not in out.stdout


def test_generated_files_say_so() -> None:
    for name in _codegen.TARGETS:
        first = (_codegen.ROOT / name).read_text().splitlines()[0]
        assert first == _codegen.HEADER.strip() and "do not edit" in first


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.method)
def test_every_shell_of_an_operation_has_the_declared_signature(op: Any) -> None:
    declared = {f.name: f for f in fields(op.params)}
    shells = _shells(op)
    reference = _params(shells["Client"])
    for where, fn in shells.items():
        assert _params(fn) == reference, f"{where}.{fn.__name__} differs from Client.{op.method}"
    names = [name for name, *_ in reference]
    # Every field is a parameter (provider_options as **), and nothing else is.
    assert sorted(names) == sorted(declared)
    for name, kind, default, annotation in reference:
        f = declared[name]
        if name == "provider_options":  # **provider_options: Any is the field's dict[str, Any]
            assert kind is inspect.Parameter.VAR_KEYWORD and annotation == "Any"
            assert f.type == "dict[str, Any]" and f.kw_only
            continue
        assert annotation == f.type, name
        if kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            assert not f.kw_only and default is inspect.Parameter.empty, name
        else:
            assert kind is inspect.Parameter.KEYWORD_ONLY and default == f.default, name
    assert names[0] == "model"
    # The common keywords are every operation's.
    common = {f.name for f in fields(Common)}
    assert common <= set(names)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.method)
def test_returns_and_async_kinds(op: Any) -> None:
    shells = _shells(op)
    for where in ("Client", "functions"):
        assert inspect.signature(shells[where]).return_annotation == op.returns
        assert not inspect.iscoroutinefunction(shells[where])
    streams = isinstance(op, StreamOperation)
    for where in ("AsyncClient", "async functions"):
        assert inspect.signature(shells[where]).return_annotation == op.async_returns
        # A stream is returned at once and started by awaiting it; everything else is a coroutine.
        assert inspect.iscoroutinefunction(shells[where]) is not streams


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.method)
def test_docstrings_agree(op: Any) -> None:
    shells = _shells(op)
    sync_doc = inspect.getdoc(shells["Client"])
    async_doc = inspect.getdoc(shells["AsyncClient"])
    assert sync_doc == inspect.getdoc(shells["functions"]) == _codegen_shell.docstring(op, False)
    assert async_doc == inspect.getdoc(shells["async functions"]) == _codegen_shell.docstring(op, True)
    assert sync_doc is not None and async_doc is not None
    assert async_doc.startswith(sync_doc) and "wait" in async_doc[len(sync_doc) :].lower()
    # The declaration's own text (re-wrapped) and the common keywords' both reach the shells.
    words = " ".join(inspect.cleandoc(op.params.__doc__).split())
    assert words in " ".join(sync_doc.split())
    assert " ".join(inspect.cleandoc(Common.__doc__ or "").split()) in " ".join(sync_doc.split())


def test_no_bare_kwargs_anywhere_public() -> None:
    """``**provider_options: Any`` on operations; nothing else takes arbitrary keywords."""
    seen = 0
    for owner in (api.Client, api.AsyncClient, functions):
        for name in dir(owner):
            fn = getattr(owner, name)
            if (name.startswith("_") and name != "__init__") or not callable(fn) or isinstance(fn, type):
                continue
            for p in inspect.signature(fn).parameters.values():
                if p.kind is inspect.Parameter.VAR_KEYWORD:
                    assert p.name == "provider_options", f"{owner.__name__}.{name} takes **{p.name}"
                    seen += 1
                assert p.kind is not inspect.Parameter.VAR_POSITIONAL, f"{owner.__name__}.{name}"
    assert seen == 4 * len(OPERATIONS)


def test_the_clients_differ_only_as_declared() -> None:
    sync_init = _params(api.Client.__init__)
    async_init = _params(api.AsyncClient.__init__)
    by_name = {"Client": {p[0]: p for p in sync_init}, "AsyncClient": {p[0]: p for p in async_init}}
    shared = [f.name for f in fields(ClientOptions)]
    for client, params in by_name.items():
        assert set(params) - set(shared) == CONSTRUCTOR_ONLY[client], client
        assert all(kind is inspect.Parameter.KEYWORD_ONLY for _, kind, _, _ in params.values())
    assert [p for p in sync_init if p[0] in shared] == [p for p in async_init if p[0] in shared]
    # proxy= is one keyword, declared once, on both.
    assert by_name["Client"]["proxy"] == by_name["AsyncClient"]["proxy"]

    def public(cls: type) -> set[str]:
        protocol = {"__enter__", "__exit__", "__aenter__", "__aexit__"}
        return {n for n in dir(cls) if not n.startswith("_") or n in protocol}

    sync_public, async_public = public(api.Client), public(api.AsyncClient)
    assert sync_public - async_public == PUBLIC_ONLY["Client"]
    assert async_public - sync_public == PUBLIC_ONLY["AsyncClient"]
    sync_doc, async_doc = inspect.getdoc(api.Client.__init__), inspect.getdoc(api.AsyncClient.__init__)
    assert sync_doc is not None and async_doc is not None
    assert sync_doc == async_doc + "\n\n" + _codegen_shell._wrap(_codegen.HTTP_CLIENT.doc)


def test_every_operation_has_all_four_shells() -> None:
    for op in OPERATIONS:
        assert set(_shells(op)) == {"Client", "AsyncClient", "functions", "async functions"}
    methods = {op.method for op in OPERATIONS}
    assert methods == {"complete", "stream", "embed", "count_tokens", "generate_image", "rerank"}
    exported = set(functions.__all__)
    assert {m for m in methods} | {"a" + m for m in methods} <= exported


USER_CODE = """
from __future__ import annotations

from typing import assert_type

import llmkit
from llmkit import AsyncClient, AsyncStream, Client, Completion, Embeddings, Stream, Timeout, TokenCount

client = Client(
    api_key="k", api_keys={"openai": "k"}, base_url="http://127.0.0.1:1", timeout=Timeout(total=3.0),
    max_retries=1, headers={"x": "y"}, retry_read_timeouts=False, retry_sent_requests=True,
    max_connections=10, max_response_bytes=1000, proxy="http://127.0.0.1:3128", http_client=None,
)
aclient = AsyncClient(
    api_key="k", api_keys={"openai": "k"}, base_url="http://127.0.0.1:1", timeout=3.0,
    max_retries=1, headers={"x": "y"}, retry_read_timeouts=False, retry_sent_requests=None,
    max_connections=10, max_response_bytes=1000, proxy=None,
)
common = dict(api_key="k", base_url="http://127.0.0.1:1", timeout=1.0, max_retries=0)


def chat() -> None:
    c = client.complete(
        "openai/m", "hi", tools=[], tool_choice="auto", response_format=None, temperature=0.5,
        max_tokens=5, stop=["x"], api_key="k", base_url="http://127.0.0.1:1", timeout=Timeout(),
        max_retries=0, extra_headers={"a": "b"}, extra_body={"c": 1}, reasoning_effort="low",
    )
    assert_type(c, Completion)
    s = client.stream(
        "openai/m", [{"role": "user", "content": "hi"}], tools=None, tool_choice=None,
        response_format=None, temperature=None, max_tokens=None, stop="x", api_key=None, base_url=None,
        timeout=None, max_retries=None, extra_headers=None, extra_body=None,
    )
    assert_type(s, Stream)
    assert_type(llmkit.complete("openai/m", "hi", temperature=1.0, extra_body={}), Completion)
    assert_type(llmkit.stream("openai/m", "hi", max_tokens=3, timeout=2.0), Stream)


def vectors() -> None:
    e = client.embed(
        "openai/m", ["a", "b"], dimensions=8, api_key="k", base_url=None, timeout=1.0, max_retries=0,
        extra_headers={}, extra_body={}, user="u",
    )
    assert_type(e, Embeddings)
    e = llmkit.embed("openai/m", "a", dimensions=4, max_retries=1, extra_headers={"a": "b"})
    assert_type(e, Embeddings)
    n = client.count_tokens(
        "anthropic/m", "hi", tools=[], api_key="k", base_url=None, timeout=1.0, max_retries=0,
        extra_headers={}, extra_body={}, thinking=1024,
    )
    assert_type(n, TokenCount)
    assert_type(llmkit.count_tokens("anthropic/m", "hi", tools=None, timeout=Timeout(total=1.0)), TokenCount)


async def async_calls() -> None:
    assert_type(await aclient.complete("openai/m", "hi", temperature=0.1, stop=None), Completion)
    assert_type(aclient.stream("openai/m", "hi", extra_body={"x": 1}), AsyncStream)
    assert_type(await aclient.embed("openai/m", "a", dimensions=2), Embeddings)
    assert_type(await aclient.count_tokens("anthropic/m", "a", extra_headers={"h": "v"}), TokenCount)
    assert_type(await llmkit.acomplete("openai/m", "hi", max_retries=2), Completion)
    assert_type(llmkit.astream("openai/m", "hi", timeout=1.0), AsyncStream)
    assert_type(await llmkit.aembed("openai/m", ["a"], base_url=None), Embeddings)
    assert_type(await llmkit.acount_tokens("anthropic/m", "a", api_key="k"), TokenCount)
    async with aclient:
        pass
    with client:
        pass
"""

# Mistakes mypy must report in user code: the keywords are typed, not swallowed by **kwargs.
USER_MISTAKES = """
from llmkit import AsyncClient, Client, Completion

Client(max_retries="3")
Client(unknown_keyword=1)
AsyncClient(http_client=None)
c: Completion = Client().complete("openai/m", "hi", temperature="hot")
Client().embed("openai/m", "a", dimensions="8")
"""


def test_user_code_using_every_keyword_passes_mypy_strict(tmp_path: Path) -> None:
    """IDEs and type checkers see every keyword and every return type (one test: mypy is slow)."""
    from mypy import api as mypy_api

    good = tmp_path / "user_code.py"
    good.write_text(USER_CODE)
    bad = tmp_path / "user_mistakes.py"
    bad.write_text(USER_MISTAKES)
    args = [
        "--strict",
        "--no-incremental",
        "--cache-dir",
        str(tmp_path / ".mypy_cache"),
        "--python-version",
        "3.11",
    ]
    out, err, status = mypy_api.run([*args, str(good)])
    assert status == 0, out + err
    out, err, status = mypy_api.run([*args, str(bad)])
    assert status == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 5, out
    for needle in ('"max_retries"', '"unknown_keyword"', '"http_client"', '"temperature"', '"dimensions"'):
        assert any(needle in line for line in errors), (needle, out)
