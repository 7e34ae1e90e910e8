"""The shipped catalog data: read once, on first use, and the lookup (with the alias rule)."""

from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Any

from llmkit.catalog._model import ModelInfo, info_of

_lock = threading.Lock()
_data: dict[str, Any] | None = None

# The alias rule: a name that is not listed but differs from a listed one only by a date or
# version stamp (gpt-4o-2024-11-20, claude-x-20250101, gemini-1.5-pro-002, ...@20240229, -latest),
# a "models/" prefix (Gemini echoes it) or a cross-region inference prefix (Bedrock's us./eu./...)
# resolves to the listed name; ModelInfo.alias_of then says so.
_STAMPS = (
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),
    re.compile(r"-\d{8}$"),
    re.compile(r"@\d{8}$"),
    re.compile(r"-\d{3}$"),
    re.compile(r"-latest$"),
    re.compile(r"-preview$"),
)
_REGION = re.compile(r"^(us|eu|apac|au|jp|ca|global|us-gov)\.")


def data() -> dict[str, Any]:
    global _data
    if _data is None:
        with _lock:
            if _data is None:
                raw = resources.files("llmkit.catalog").joinpath("data/catalog.json.gz").read_bytes()
                _data = json.loads(gzip.decompress(raw))
    return _data


def snapshot() -> dict[str, str]:
    return dict(data()["snapshot"])


def candidates(model: str) -> list[str]:
    names = [model]
    if model.startswith("models/"):
        names.append(model[len("models/") :])
    for name in list(names):
        if _REGION.match(name):
            names.append(_REGION.sub("", name, count=1))
    for name in list(names):
        for stamp in _STAMPS:
            if stamp.search(name):
                names.append(stamp.sub("", name))
    return names


@lru_cache(maxsize=4096)  # ModelInfo is frozen; a completion's cost looks the same model up again
def lookup(provider: str, model: str) -> ModelInfo | None:
    d = data()
    table: dict[str, Any] = d["models"].get(provider, {})
    for i, name in enumerate(candidates(model)):
        raw = table.get(name)
        if raw is not None:
            info = info_of(provider, name, raw, d["snapshot"])
            return replace(info, model=model, alias_of=name) if i else info
    return None


def entries(provider: str | None = None) -> list[ModelInfo]:
    d = data()
    out: list[ModelInfo] = []
    for p, table in d["models"].items():
        if provider is None or p == provider:
            out.extend(info_of(p, m, raw, d["snapshot"]) for m, raw in table.items())
    return out


def providers() -> list[str]:
    return sorted(data()["models"])
