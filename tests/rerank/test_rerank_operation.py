"""The rerank operation itself: its argument checks, the boundary's checks on what a dialect
returns (ordering, indexes, top_n, documents filled in), the capability refusal, the emulator's
text-dependent scores, and that ``import llmkit`` stays light."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit import _guard
from llmkit.dialects.base import CallContext, RerankRequest
from llmkit.emulator import Emulator, _rerank
from llmkit.emulator.script import Script
from llmkit.errors import ConfigurationError, NotSupportedError, ResponseDecodeError
from llmkit.providers import get_spec
from llmkit.ranking import RankedDocument, Ranking, document_text
from llmkit.wire import HttpResponse

DOCS = ["the cat sat on the mat", "dogs bark at night", "a cat and a dog"]


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("cohere"), **extra}


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("", DOCS), "query must be a non-empty string"),
        ((None, DOCS), "query must be a non-empty string"),
        (("q", "one document"), "wrap it in a list"),
        (("q", []), "documents must be a non-empty list"),
        (("q", ["ok", 3]), r"documents\[1\] must be a string or a non-empty dict"),
        (("q", [{}]), r"documents\[0\]"),
        (("q", [{1: "x"}]), r"documents\[0\]"),
    ],
)
def test_arguments_checked_before_sending(emu: Emulator, args: tuple[Any, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        llmkit.rerank("cohere/rerank-v3.5", *args, **kw(emu))
    assert emu.requests == []


@pytest.mark.parametrize("top_n", [0, -1, True, 1.5, "2"])
def test_top_n_checked(emu: Emulator, top_n: Any) -> None:
    with pytest.raises(ConfigurationError, match="top_n must be a positive integer"):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, top_n=top_n, **kw(emu))


def test_return_documents_checked(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="return_documents must be True or False"):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, return_documents=1, **kw(emu))  # type: ignore[arg-type]


def test_provider_without_rerank_is_not_supported() -> None:
    with pytest.raises(NotSupportedError, match=r"rerank.*cohere") as info:
        llmkit.rerank("openai/gpt-4o", "q", DOCS, api_key="sk-unused")
    assert "cohere" in str(info.value)


def _ctx() -> CallContext:
    return CallContext(get_spec("cohere"), "m", "https://api.cohere.com")


class _Fixed:
    """A dialect that answers what the test says (the boundary's checks are the subject)."""

    name = "fixed"

    def __init__(self, out: Any) -> None:
        self.out = out

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> Any:
        raise AssertionError

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Any:
        return self.out


def _guarded(results: list[RankedDocument], **req: Any) -> Ranking:
    out = Ranking(results, "m", "cohere")
    request = RerankRequest("m", "q", DOCS, **req)
    return _guard.parse_rerank(_Fixed(out), HttpResponse(200, {}, b"{}"), request, _ctx())  # type: ignore[arg-type]


def test_boundary_sorts_best_first_and_cuts_to_top_n() -> None:
    out = _guarded([RankedDocument(0, 0.1), RankedDocument(2, 0.9), RankedDocument(1, 0.5)], top_n=2)
    assert out.indices == [2, 1]


def test_boundary_fills_documents_by_index_when_asked() -> None:
    out = _guarded([RankedDocument(1, 0.9), RankedDocument(0, 0.2)], return_documents=True)
    assert [r.document for r in out] == [DOCS[1], DOCS[0]]
    out = _guarded([RankedDocument(1, 0.9)])
    assert out.results[0].document is None


@pytest.mark.parametrize(
    "bad",
    [
        [RankedDocument(3, 0.5)],
        [RankedDocument(-1, 0.5)],
        [RankedDocument(0, 0.5), RankedDocument(0, 0.4)],
        [RankedDocument("0", 0.5)],  # type: ignore[arg-type]
        [RankedDocument(0, "high")],  # type: ignore[arg-type]
        [RankedDocument(0, True)],  # type: ignore[arg-type]
        [RankedDocument(0, None)],  # type: ignore[arg-type]
    ],
)
def test_boundary_refuses_drifted_results(bad: list[RankedDocument]) -> None:
    with pytest.raises(ResponseDecodeError, match=r"\[cohere\] rerank response not understood"):
        _guarded(bad)


def test_boundary_refuses_a_non_ranking() -> None:
    with pytest.raises(ResponseDecodeError):
        _guard.parse_rerank(
            _Fixed({"results": []}), HttpResponse(200, {}, b"{}"), RerankRequest("m", "q", DOCS), _ctx()
        )  # type: ignore[arg-type]


def test_document_text_flattens_dicts_in_key_order() -> None:
    assert document_text("plain") == "plain"
    doc = {"title": "Réunion", "text": "a b", "tags": ["x", 1], "n": 2}
    assert document_text(doc) == 'title: Réunion\ntext: a b\ntags: ["x",1]\nn: 2'


def test_emulator_scores_follow_the_text() -> None:
    ranked = _rerank.rank("cat on the mat", DOCS)
    assert [i for i, _ in ranked] == [0, 2, 1]
    assert all(0 <= s < 1 for _, s in ranked)
    assert _rerank.score("cat", "cat") > _rerank.score("cat", "cat dog bird")  # less else said ranks higher
    assert _rerank.score("", "anything") == 0.0
    assert _rerank.rank("cat", DOCS, top_n=1) == [(2, _rerank.score("cat", DOCS[2]))]  # the shorter match


def test_ranking_repr_and_iteration() -> None:
    r = Ranking([RankedDocument(1, 0.5), RankedDocument(0, 0.25)], "m", "p")
    assert len(r) == 2 and [x.index for x in r] == [1, 0] and r.indices == [1, 0]
    assert repr(r) == "Ranking(provider='p', model='m', results=[1:0.5, 0:0.25])"


def test_import_llmkit_stays_light() -> None:
    code = (
        "import sys, llmkit; llmkit.Ranking; llmkit.RankedDocument;"
        "heavy=('httpx2','aiohttp','pydantic','llmkit.operations','llmkit.dialects.cohere');"
        "bad=[m for m in heavy if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_scripted_verbatim_answer_reaches_the_boundary(emu: Emulator) -> None:
    emu.script(Script(extra={"body": {"results": [{"index": 7, "relevance_score": 0.5}]}}))
    with pytest.raises(ResponseDecodeError, match="result index 7"):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu))
