"""The hand-written part of a provider's page: ``docs/notes/<name>.md``.

A notes file may open with a comment the generator reads and drops::

    <!-- docgen
    models: gpt-4o-mini, gpt-4o        (the first is the examples' chat model)
    embeddings: text-embedding-3-small (a model per capability kind: vision, reasoning,
    images: gpt-image-1                 embeddings, images, rerank; else the chat model)
    providers: huggingface_tei, hf_inference   (include it in these pages, not <name>'s)
    reference: the openai SDK's models, both directions (what the wire format is held against,
               or why nothing is: shown in the page's "Reference" section)
    -->

The rest is included in the page below the generated sections, its headings one level down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_FRONT = re.compile(r"\A<!--\s*docgen\s*\n(.*?)-->\s*\n", re.S)
_FENCE = re.compile(r"^(```|~~~)")
# The model kinds a notes file may name (``<provider>.<kind>`` in a file for several).
KINDS = frozenset({"chat", "vision", "reasoning", "embeddings", "images", "rerank"})


@dataclass(frozen=True, slots=True)
class Notes:
    path: Path
    body: str
    models: tuple[str, ...] = ()
    by_kind: dict[str, str] = field(default_factory=dict)
    providers: tuple[str, ...] = ()
    reference: str = ""


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def read_notes(path: Path) -> Notes:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    found = _FRONT.match(text)
    if found:
        text = text[found.end() :]
        for line in found.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip()] = value.strip()
    by_kind = {k: v for k, v in meta.items() if k.rpartition(".")[2] in KINDS}
    models, providers = _split(meta.get("models", "")), _split(meta.get("providers", ""))
    return Notes(path, text, models, by_kind, providers, meta.get("reference", ""))


def all_notes(folder: Path) -> dict[str, list[Notes]]:
    """Provider name -> the notes files its page includes, in file-name order."""
    out: dict[str, list[Notes]] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
        notes = read_notes(path)
        for name in notes.providers or (path.stem,):
            out.setdefault(name, []).append(notes)
    return out


def demoted(body: str) -> str:
    """The notes with every heading one level down (code blocks untouched): their title is a
    section of the page."""
    out, fenced = [], False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip() + "\n"
