"""tiktoken as the reference, given llmkit's shipped vocabulary files as its cache (test data), so
it never downloads: tiktoken names a cached blob by the SHA-1 of its URL and checks the file's
SHA-256 against the digest it pins, so a file that loads is OpenAI's file, byte for byte."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

_BLOBS = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


@pytest.fixture(scope="session")
def tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("tiktoken_cache")
    for name in ("o200k_base", "cl100k_base"):
        data = resources.files("llmkit.tokens.data").joinpath(f"{name}.tiktoken.gz").read_bytes()
        key = hashlib.sha1(_BLOBS.format(name).encode()).hexdigest()
        (cache / key).write_bytes(gzip.decompress(data))
    return cache


@pytest.fixture(scope="session")
def tiktoken(tiktoken_cache: Path) -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(tiktoken_cache))
    import tiktoken as tk

    # Loaded here, while the cache is set; a download attempt would fail offline, not pass.
    for name in ("o200k_base", "cl100k_base"):
        tk.get_encoding(name)
    yield tk
    mp.undo()
