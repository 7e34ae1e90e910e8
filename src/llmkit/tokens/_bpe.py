"""OpenAI's byte-pair encodings (o200k_base, cl100k_base), exact and offline.

The vocabularies ship in ``llmkit/tokens/data/`` as gzipped ``.tiktoken`` files (OpenAI's own
format: one ``base64(token) rank`` line per token; MIT, from tiktoken's public blobs) and are read
on first use, once per process; their SHA-256 is checked against the digest tiktoken pins, so a
damaged file is an error, never a wrong count. The split patterns are tiktoken's
(``tiktoken_ext/openai_public.py``); they need the ``regex`` package (Unicode classes ``\\p{L}``
that the standard ``re`` lacks), installed with ``pip install 'llmkit[tokens]'``.

The merge rule is tiktoken's: within each piece the pieces' adjacent pair of lowest rank merges
first (the leftmost on a tie) until no pair is in the vocabulary.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import heapq
import importlib
import importlib.util
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from llmkit.errors import ConfigurationError, LLMKitError

_CL100K = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|"""
    r"""\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@dataclass(frozen=True, slots=True)
class _Spec:
    pattern: str
    # SHA-256 of the uncompressed file, as tiktoken pins it (expected_hash).
    sha256: str


SPECS = {
    "o200k_base": _Spec(_O200K, "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    "cl100k_base": _Spec(_CL100K, "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
}


class Encoding:
    """One encoding: its ranks and split pattern. ``count`` is the number of tokens tiktoken's
    ``encode(text, disallowed_special=())`` returns (special-token text counts as plain text, as
    it does in a chat message)."""

    def __init__(self, name: str, ranks: dict[bytes, int], pattern: Any) -> None:
        self.name = name
        self._ranks = ranks
        self._pattern = pattern
        # Pieces repeat (words, indentation): their counts are kept, bounded.
        self._seen: dict[bytes, int] = {}

    def count(self, text: str) -> int:
        return sum(self._piece(m.encode("utf-8")) for m in self._pattern.findall(text))

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for m in self._pattern.findall(text):
            out.extend(self._ranks[p] for p in self._merge(m.encode("utf-8")))
        return out

    def _piece(self, piece: bytes) -> int:
        if piece in self._ranks:
            return 1
        n = self._seen.get(piece)
        if n is None:
            n = len(self._merge(piece))
            if len(self._seen) < 65536:
                self._seen[piece] = n
        return n

    def _merge(self, piece: bytes) -> list[bytes]:
        ranks = self._ranks
        if piece in ranks:
            return [piece]
        return _merge_long(piece, ranks) if len(piece) > _SHORT else _merge_scan(piece, ranks)


# Past this many bytes a piece merges through a heap (n log n) rather than rescanning every pair
# after each merge (n squared): a long run of letters or symbols is one piece.
_SHORT = 64


def _merge_scan(piece: bytes, ranks: dict[bytes, int]) -> list[bytes]:
    """tiktoken's merge, as written: rescan the adjacent pairs, merge the lowest-ranked."""
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best, at = -1, -1
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best < 0 or r < best):
                best, at = r, i
        if at < 0:
            break
        parts[at : at + 2] = [parts[at] + parts[at + 1]]
    return parts


def _merge_long(piece: bytes, ranks: dict[bytes, int]) -> list[bytes]:
    """The same merges as the scan, in the same order: the heap pops the lowest rank, and on a tie
    the leftmost pair (the lowest start offset), as the scan picks them. Parts are a linked list
    of start offsets; an entry whose pair has since changed is skipped when popped."""
    n = len(piece)
    end = list(range(1, n + 1))  # end[i]: where the part starting at i ends (the next one starts)
    prev = list(range(-1, n - 1))  # prev[i]: where the part before the one at i starts
    alive = [True] * n
    heap = [(r, i, i + 2) for i in range(n - 1) if (r := ranks.get(piece[i : i + 2])) is not None]
    heapq.heapify(heap)
    while heap:
        _, i, stop = heapq.heappop(heap)
        if not alive[i] or end[i] >= n or end[end[i]] != stop:
            continue  # stale: one side of this pair has merged since
        alive[end[i]] = False
        end[i] = stop
        if stop < n:
            prev[stop] = i
            if (r := ranks.get(piece[i : end[stop]])) is not None:
                heapq.heappush(heap, (r, i, end[stop]))
        if (p := prev[i]) >= 0 and (r := ranks.get(piece[p:stop])) is not None:
            heapq.heappush(heap, (r, p, stop))
    out, i = [], 0
    while i < n:
        out.append(piece[i : end[i]])
        i = end[i]
    return out


_lock = threading.Lock()
_loaded: dict[str, Encoding] = {}


def get_encoding(name: str) -> Encoding:
    """The encoding ``name``, loaded on first use (about a second for o200k_base), then kept."""
    enc = _loaded.get(name)
    if enc is not None:
        return enc
    spec = SPECS.get(name)
    if spec is None:
        raise ConfigurationError(f"unknown encoding {name!r}; llmkit ships: {', '.join(sorted(SPECS))}")
    pattern = _compile(spec.pattern)
    with _lock:
        enc = _loaded.get(name)
        if enc is None:
            enc = _loaded[name] = Encoding(name, _read_ranks(name, spec.sha256), pattern)
    return enc


def have_regex() -> bool:
    """Whether exact offline counting is available (the ``regex`` package is installed)."""
    return importlib.util.find_spec("regex") is not None


def _compile(pattern: str) -> Any:
    try:
        regex = importlib.import_module("regex")
    except ImportError:
        raise ConfigurationError(
            "exact offline token counting needs the 'regex' package: pip install 'llmkit[tokens]'"
        )
    return regex.compile(pattern)


def _read_ranks(name: str, sha256: str) -> dict[bytes, int]:
    raw = gzip.decompress(resources.files("llmkit.tokens.data").joinpath(f"{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise LLMKitError(f"llmkit's {name} vocabulary is damaged (its SHA-256 differs); reinstall llmkit")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks
