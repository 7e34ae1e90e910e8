"""The import graph of ``src/llmkit`` has no arrow upward (docs/architecture.md, "Layers").

Every module under ``src/llmkit`` is parsed with ``ast`` (never imported) and mapped to a layer;
every import it makes is checked against the rules below and a failure names the importing
module, the line and the rule it breaks. Checked:

- top-level imports, function-local (lazy) imports, and imports under ``if TYPE_CHECKING:``;
- ``importlib.import_module("llmkit....")`` with a literal name, and the ``"llmkit.x.y"`` /
  ``"llmkit.x.y:attr"`` strings that registries hand to ``import_module`` (provider modules,
  auth factories, emulator handlers): a dependency written as data is still a dependency.

``if TYPE_CHECKING:`` imports obey the same layer rules (a lower module that names a higher
module's type depends on it: it could not be type-checked without it). They are "lazy" for the
one rule about *when* a module may be imported: the clients may name transport types for the
checker, since such an import costs nothing at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "llmkit"

# Top to bottom. A module may import its own layer and any layer below it, never above.
RANKED = ("top", "operations", "core", "providers", "dialects", "auth", "framing", "foundation")

# Layers outside the ladder: what each may import, and who may import it.
TRANSPORT_MAY_IMPORT = frozenset({"transport", "framing", "foundation"})
EMULATOR_MAY_IMPORT = frozenset({"emulator", "framing", "foundation"})

# Narrower than the ladder: the retry policy speaks HTTP (status, Retry-After), no wire format.
NARROWER: Mapping[str, frozenset[str]] = {"llmkit._retry": frozenset({"providers", "dialects"})}

EXACT: Mapping[str, str] = {
    # top: the package (its lazy exports), the CLI, the module functions, the clients and drivers
    "llmkit": "top",
    "llmkit.cli": "top",
    "llmkit._cli_vectors": "top",
    "llmkit._cli_copilot": "top",
    "llmkit._cli_models": "top",
    "llmkit.functions": "top",
    "llmkit._functions_count_tokens": "top",
    "llmkit._functions_embed": "top",
    "llmkit._functions_images": "top",
    "llmkit._functions_rerank": "top",
    "llmkit.api": "top",
    "llmkit._drivers": "top",
    "llmkit._driver_steps": "top",
    "llmkit._sync_driver": "top",
    "llmkit._async_driver": "top",
    "llmkit._defaults": "top",
    "llmkit._fetch": "top",
    # the drivers' observed calls (callbacks): beside them
    "llmkit._observed": "top",
    # the shell generator writes api.py, functions.py and _functions_*.py, so it names the top layer's modules
    "llmkit.operations._codegen": "top",
    # core: resolution, the retry flow, streams and argument checks
    "llmkit._resolve": "core",
    "llmkit._retry": "core",
    "llmkit._stream": "core",
    "llmkit._accumulate": "core",
    "llmkit._guard": "core",
    "llmkit._inputs": "core",
    "llmkit._args": "core",
    "llmkit._parts": "core",
    "llmkit._schema": "core",
    # a fallback's cross-format conversion: pure, over the types (the router package is top)
    "llmkit.router.convert": "core",
    # foundation: data types, errors and small pure helpers that need nothing of llmkit above
    "llmkit.types": "foundation",
    "llmkit.images": "foundation",
    "llmkit.ranking": "foundation",
    "llmkit.errors": "foundation",
    "llmkit.wire": "foundation",
    "llmkit._constants": "foundation",
    "llmkit._redact": "foundation",
    "llmkit._urls": "foundation",
    "llmkit._timeout": "foundation",
    "llmkit._retry_after": "foundation",
    "llmkit._proxy": "foundation",
    "llmkit._tls": "foundation",
    "llmkit._headers": "foundation",
    # observability: the events and callbacks (foundation), the OpenTelemetry observer over them
    "llmkit.observe": "foundation",
    "llmkit.observe.events": "foundation",
    "llmkit.observe.otel": "foundation",
}
PACKAGES: Mapping[str, str] = {
    "llmkit.operations": "operations",
    "llmkit.transport": "transport",
    "llmkit.providers": "providers",
    "llmkit.dialects": "dialects",
    "llmkit.auth": "auth",
    "llmkit.framing": "framing",
    "llmkit.emulator": "emulator",
    # the docs generator reads the registry, dialects and auth factories to write pages
    "llmkit._docgen": "top",
    # offline token counting: tokenizer data and pure functions over types.Message
    "llmkit.tokens": "core",
    # the model catalog and cost arithmetic: data and pure functions over types.Usage
    "llmkit.catalog": "foundation",
    # the response cache: keys, entries and stores, under the drivers
    "llmkit.cache": "core",
    # the router drives Clients (top): its pure policy and state sit beside its shells
    "llmkit.router": "top",
}

# Upward imports on main that another slice of issue 10 removes. Each entry is (importer,
# imported) with the reason; delete it when the fix is merged (a stale entry fails the test).
KNOWN: Mapping[tuple[str, str], str] = {
    # Type-only, not fixed by issue 10: CallContext carries the ProviderSpec, whose name, typed
    # quirks and flags the dialects read; a spec view defined at the dialect layer would remove it.
    ("llmkit.dialects.base", "llmkit.providers.spec"): "open: CallContext.spec is a ProviderSpec",
    # Not fixed by issue 10 (reported to the integrator): the emulator checks SigV4 with the
    # library's own verifier, which shares sigv4_canonical with the signer, so a misreading of the
    # canonical request there would pass on both sides; botocore's signer is the independent check.
    ("llmkit.emulator.bedrock._aws", "llmkit.auth.sigv4"): "open: emulator uses llmkit SigV4",
    # The same exception: the verifier is imported from its own module (the signer no longer
    # re-exports it, so a signed call does not load it).
    ("llmkit.emulator.bedrock._aws", "llmkit.auth.sigv4_verify"): "open: emulator uses llmkit SigV4",
}


def layer_of(module: str) -> str | None:
    if module in EXACT:
        return EXACT[module]
    for prefix, layer in PACKAGES.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


@dataclass(frozen=True)
class Import:
    target: str
    line: int
    lazy: bool  # inside a function, or under ``if TYPE_CHECKING:``: not run when the module loads
    how: str  # "import", "type-checking import", "dynamic import"


@dataclass(frozen=True)
class Violation:
    importer: str
    target: str
    line: int
    rule: str
    path: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.target}: {self.rule}"


def module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = SRC) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / "llmkit").rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _base_of(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _targets(
    node: ast.AST, module: str, is_package: bool, known: frozenset[str]
) -> Iterator[tuple[str, str]]:
    """(imported module, how) for one node; ``from pkg import name`` names a submodule if there is one."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, "import"
    elif isinstance(node, ast.ImportFrom):
        base = _base_of(module, is_package, node)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            yield (sub if sub in known else base), "import"
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        # "llmkit.auth.google:factory" or "llmkit.providers.openai": a registry's dynamic import.
        name = node.value.partition(":")[0]
        if name.startswith("llmkit.") and name in known and " " not in node.value:
            yield name, "dynamic import"


def imports_of(module: str, source: str, known: frozenset[str], is_package: bool = False) -> list[Import]:
    """Every llmkit import in ``source``, each marked lazy when it does not run at module load."""
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool, type_only: bool) -> None:
        for target, how in _targets(node, module, is_package, known):
            if target == "llmkit" or target.startswith("llmkit."):
                kind = "type-checking import" if type_only and how == "import" else how
                line = getattr(node, "lineno", 0)
                found.append(Import(target, line, lazy or how == "dynamic import", kind))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True, True)
            for child in node.orelse:
                visit(child, lazy, type_only)
            return
        inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner, type_only)

    visit(ast.parse(source), False, False)
    return found


def rule_broken(importer: str, imp: Import) -> str | None:
    """Why ``importer`` may not make this import, or None if it may."""
    src, dst = layer_of(importer), layer_of(imp.target)
    if src is None:
        return f"{importer} is in no layer: add it to EXACT or PACKAGES in this test"
    if dst is None:
        return f"{imp.target} is in no layer: add it to EXACT or PACKAGES in this test"
    if dst == "transport" and src != "transport":
        if src != "top":
            return f"transport (I/O) is imported only by the top layer, not by {src}"
        if not imp.lazy:
            return "transport is imported lazily (in a function or under TYPE_CHECKING): it loads httpx2"
        return None
    if src == "transport":
        if dst in TRANSPORT_MAY_IMPORT:
            return None
        return f"transport may import only framing and foundation, not {dst}"
    if dst == "emulator" and src != "emulator":
        if src == "top":
            return None
        return f"the emulator is a tool of the top layer (the CLI), not a dependency of {src}"
    if src == "emulator":
        if dst in EMULATOR_MAY_IMPORT:
            return None
        return f"the emulator may import only framing and foundation (it is written apart from {dst})"
    if dst in NARROWER.get(importer, ()):
        return f"{importer} may not import {dst}: it depends on no provider or wire format"
    if RANKED.index(dst) < RANKED.index(src):
        return f"upward import: {src} may import only its own layer and those below it, not {dst}"
    return None


def check(
    modules: Mapping[str, str],
    known: frozenset[str] | None = None,
    allowed: Mapping[tuple[str, str], str] = KNOWN,
    paths: Mapping[str, str] | None = None,
) -> tuple[list[Violation], set[tuple[str, str]]]:
    """Violations in ``modules`` (name -> source), and the allow-list entries that were used."""
    known = known if known is not None else frozenset(modules)
    violations: list[Violation] = []
    used: set[tuple[str, str]] = set()
    for name, source in sorted(modules.items()):
        is_package = (paths or {}).get(name, "").endswith("__init__.py")
        seen: set[tuple[str, int]] = set()
        for imp in imports_of(name, source, known, is_package):
            if (imp.target, imp.line) in seen:  # ``from m import a, b``: one import, reported once
                continue
            seen.add((imp.target, imp.line))
            rule = rule_broken(name, imp)
            if rule is None:
                continue
            if (name, imp.target) in allowed:
                used.add((name, imp.target))
                continue
            where = (paths or {}).get(name, name)
            violations.append(Violation(name, imp.target, imp.line, f"{rule} ({imp.how})", where))
    return violations, used


def _real() -> tuple[list[Violation], set[tuple[str, str]]]:
    files = all_modules()
    sources = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    paths = {name: str(path.relative_to(SRC.parent)) for name, path in files.items()}
    return check(sources, paths=paths)


def test_no_module_imports_upward() -> None:
    violations, _ = _real()
    listed = "\n".join(map(str, violations))
    assert not violations, f"imports against docs/architecture.md 'Layers':\n{listed}"


def test_every_allow_list_entry_is_still_needed() -> None:
    _, used = _real()
    stale = sorted(set(KNOWN) - used)
    assert not stale, "these KNOWN exceptions no longer occur; delete them: " + ", ".join(
        f"{a} -> {b}" for a, b in stale
    )


def test_the_scan_sees_the_real_graph() -> None:
    """Guard against a checker that passes because it finds nothing."""
    files = all_modules()
    known = frozenset(files)

    def edges(name: str) -> dict[str, Import]:
        path = files[name]
        return {i.target: i for i in imports_of(name, path.read_text(), known, path.name == "__init__.py")}

    assert "llmkit.framing.sse" in edges("llmkit.dialects.openai_chat._stream")
    assert edges("llmkit._sync_driver")["llmkit.transport.sync_http"].lazy
    assert edges("llmkit._async_driver")["llmkit.transport.async_http"].lazy
    assert edges("llmkit.providers")["llmkit.providers.openai"].how == "dynamic import"
    assert "llmkit._retry_after" in edges("llmkit._retry")
    assert len(files) > 100


def test_every_module_has_a_layer() -> None:
    missing = [name for name in all_modules() if layer_of(name) is None]
    assert not missing, f"modules in no layer (add them to EXACT or PACKAGES): {missing}"


# --------------------------------------------------------------------------- the checker itself

KNOWN_NAMES = frozenset(
    {
        "llmkit",
        "llmkit.api",
        "llmkit.errors",
        "llmkit.types",
        "llmkit._retry",
        "llmkit.framing",
        "llmkit.framing.sse",
        "llmkit.dialects",
        "llmkit.dialects.base",
        "llmkit.providers",
        "llmkit.providers.spec",
        "llmkit.transport",
        "llmkit.transport.sync_http",
        "llmkit.emulator",
        "llmkit.emulator.server",
        "llmkit.auth",
        "llmkit.auth.google",
    }
)


def _one(module: str, source: str, allowed: Mapping[tuple[str, str], str] | None = None) -> list[Violation]:
    violations, _ = check({module: source}, KNOWN_NAMES, allowed or {})
    return violations


@pytest.mark.parametrize(
    ("module", "source", "line", "words"),
    [
        # a pure decoder reaching up into dialects, at the top of the module
        ("llmkit.framing.sse", "import json\nfrom llmkit.dialects.base import Dialect\n", 2, "upward import"),
        # the same, hidden in a function
        ("llmkit.framing.sse", "def f():\n    from llmkit.dialects import base\n", 2, "upward import"),
        # relative imports are resolved: ..dialects from llmkit.framing.sse is llmkit.dialects
        ("llmkit.framing.sse", "from ..dialects import base\n", 1, "upward import"),
        # a type name is still a dependency
        (
            "llmkit.dialects.base",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from llmkit.api import Client\n",
            3,
            "type-checking import",
        ),
        # a registry string pointing up
        ("llmkit.dialects.base", "T = {'x': 'llmkit.providers.spec:Spec'}\n", 1, "dynamic import"),
        # transport is I/O: only the clients, and only lazily
        ("llmkit._retry", "def f():\n    import llmkit.transport.sync_http\n", 2, "only by the top layer"),
        ("llmkit.api", "from llmkit.transport.sync_http import SyncTransport\n", 1, "lazily"),
        ("llmkit.transport.sync_http", "from llmkit._retry import Timeout\n", 1, "only framing and"),
        # the emulator stays apart from what it checks
        ("llmkit.emulator.server", "from llmkit.dialects.base import D\n", 1, "emulator may import only"),
        ("llmkit.providers.spec", "import llmkit.emulator.server\n", 1, "tool of the top layer"),
        # the retry policy needs no dialect (Retry-After is foundation)
        ("llmkit._retry", "from llmkit.dialects.base import Dialect\n", 1, "no provider or wire format"),
        # auth below providers
        ("llmkit.auth.google", "from llmkit.providers.spec import ProviderSpec\n", 1, "upward import"),
    ],
)
def test_the_checker_catches_a_synthetic_violation(module: str, source: str, line: int, words: str) -> None:
    violations = _one(module, source)
    assert len(violations) == 1, violations
    found = violations[0]
    assert found.importer == module and found.line == line
    assert words in str(found), str(found)
    assert module in str(found) and f":{line}:" in str(found)  # names the importer and the line


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("llmkit.dialects.base", "from llmkit.framing.sse import SSEDecoder\nfrom llmkit import errors\n"),
        ("llmkit.framing.sse", "from llmkit.errors import ResponseDecodeError\nfrom . import sse\n"),
        ("llmkit.api", "def f():\n    from llmkit.transport.sync_http import SyncTransport\n"),
        (
            "llmkit.api",
            "import typing\nif typing.TYPE_CHECKING:\n    from llmkit.transport import sync_http\n",
        ),
        ("llmkit.transport.sync_http", "from llmkit.framing.sse import SSEDecoder\nimport llmkit.errors\n"),
        ("llmkit.emulator.server", "from llmkit.framing.sse import SSEDecoder\nfrom llmkit import types\n"),
        ("llmkit.providers.spec", "AUTH = 'llmkit.auth.google:factory'\nDOC = 'see llmkit.api for more'\n"),
    ],
)
def test_the_checker_passes_downward_imports(module: str, source: str) -> None:
    assert _one(module, source) == []


def test_an_allow_list_entry_silences_exactly_its_pair() -> None:
    source = "from llmkit.providers.spec import ProviderSpec\nfrom llmkit.api import Client\n"
    pair = ("llmkit.auth.google", "llmkit.providers.spec")
    violations, used = check({"llmkit.auth.google": source}, KNOWN_NAMES, {pair: "x"})
    assert [v.target for v in violations] == ["llmkit.api"]
    assert used == {pair}


def test_a_module_in_no_layer_is_reported() -> None:
    violations = _one("llmkit._newthing", "from llmkit import errors\n")
    assert len(violations) == 1 and "in no layer" in str(violations[0])


# --------------------------------------------------------------------------- what each layer holds

IO_LIBRARIES = frozenset({"httpx2", "aiohttp"})
NO_IO = frozenset({"socket", "ssl", "selectors", "asyncio", "threading", "time", "httpx2", "aiohttp"})


def _stdlib_and_third_party(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.partition(".")[0])
    return names


def test_transport_holds_only_io() -> None:
    """No pure helper (and no shim of a moved one) is left in transport/: each module there drives
    an HTTP library; the decoders it uses live in framing/, the proxy policy in _proxy."""
    modules = {n: p for n, p in all_modules().items() if n.startswith("llmkit.transport.")}
    # h11_body: the sync transport's chunked-body read off httpcore2's connection; h1_async and
    # h1_sync: the transports' own HTTP/1.1 connections, on asyncio's and plain sockets (issue 17).
    assert sorted(modules) == [
        "llmkit.transport.async_http",
        "llmkit.transport.h11_body",
        "llmkit.transport.h1_async",
        "llmkit.transport.h1_sync",
        "llmkit.transport.sync_http",
        "llmkit.transport.sync_httpx",
    ]
    # sync_http chooses, per request, between the two sync transports under it (our own
    # connections, or httpx2 imported at its first use): it drives them, not a library itself.
    dispatcher = modules.pop("llmkit.transport.sync_http").read_text(encoding="utf-8")
    assert "llmkit.transport.h1_sync" in dispatcher and "llmkit.transport.sync_httpx" in dispatcher
    for name, path in modules.items():
        io = _stdlib_and_third_party(path) & (IO_LIBRARIES | {"asyncio", "socket"})
        assert io, f"{name} does no I/O: move it below transport"


def test_framing_does_no_io() -> None:
    for name, path in all_modules().items():
        if layer_of(name) == "framing":
            used = _stdlib_and_third_party(path) & NO_IO
            assert not used, f"{name} imports {sorted(used)}: framing is pure (bytes in, messages out)"
