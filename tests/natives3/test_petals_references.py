"""Petals held against chat.petals.dev's README (tests/fixtures/petals/, each with a .source.md):
its curl sample's answer decodes, whole and as a stream cut anywhere; llmkit sends the values the
curl sample sends; and the emulator answers the curl sample's own body, as the server would."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from _natives3_helpers import last_form, options, run

from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.petals import DIALECT
from llmkit.emulator import Emulator, Script
from llmkit.providers import get_spec
from llmkit.types import Message
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "petals"
ANSWER = (FIXTURES / "generate_ok.json").read_bytes()
CURL_FORM = (FIXTURES / "generate_request.form").read_bytes().strip()
README_MODEL = "meta-llama/Llama-2-70b-chat-hf"
TEXT = " there was a young woman named Sophia who lived in a small village nestled in the rolling hills"


def _req(stream: bool) -> ChatRequest:
    return ChatRequest(README_MODEL, [Message("user", "Once upon a time,")], stream=stream,
                       options={"prompt_format": "raw"})  # fmt: skip


def _ctx() -> CallContext:
    return CallContext(get_spec("petals"), README_MODEL, "https://chat.petals.dev/api/v1")


def test_the_readme_answer_decodes() -> None:
    c = DIALECT.parse_chat(
        HttpResponse(200, {"content-type": "application/json"}, ANSWER), _req(False), _ctx()
    )
    assert (c.text, c.finish_reason, c.raw) == (TEXT, "other", {"ok": True, "outputs": TEXT})


@pytest.mark.parametrize("size", [1, 7, 64, len(ANSWER)])
def test_the_readme_answer_decodes_as_a_stream(size: int) -> None:
    decoder = DIALECT.stream_decoder(_req(True), _ctx())
    acc = Accumulator()
    for i in range(0, len(ANSWER), size):
        for ev in decoder.feed(ANSWER[i : i + size]):
            acc.add(ev)
    assert decoder.done
    assert acc.build(decoder, "petals", README_MODEL).text == TEXT


def test_llmkit_sends_the_curl_samples_values(emu: Emulator) -> None:
    emu.script(Script(text=TEXT))
    c = run("sync", "complete", f"petals/{README_MODEL}", "Once upon a time,", prompt_format="raw",
            max_tokens=20, **options(emu))  # fmt: skip
    assert c.text == TEXT
    theirs = {k: v[0] for k, v in parse_qs(CURL_FORM.decode()).items()}
    ours = last_form(emu)
    # do_sample=0 is the server's own default (greedy), sent so that the choice is explicit.
    assert ours == {**theirs, "do_sample": "0"}


def test_the_emulator_answers_the_curl_samples_body(emu: Emulator) -> None:
    emu.script(Script(text=TEXT))
    request = urllib.request.Request(
        emu.base_url("petals") + "/generate",
        data=CURL_FORM,  # as curl -d sends it: not percent-encoded
        headers={"content-type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:  # loopback only
        body = resp.read()
        assert resp.status == 200 and resp.headers["content-type"] == "application/json"
    assert json.loads(body) == json.loads(ANSWER)
    assert body.endswith(b"}\n") and b": " not in body  # jsonify's compact form, as in the README
