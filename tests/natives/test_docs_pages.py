"""docs/notes/{tgi,tgi_generate,lorax,predibase,triton}.md: every python example runs, aimed at
the emulator through the environment only (the variables each page names)."""

from __future__ import annotations

import pytest
from _natives_helpers import sent
from _pages import run_page

from llmkit.emulator import Emulator, Script


def test_tgi_generate_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TGI_GENERATE_BASE_URL", emu.base_url("tgi_generate"))
    emu.script(Script(text="Paris."), Script(text="There was a fox"), Script(json={"age": 22}))
    ns = run_page("notes/tgi_generate.md")
    assert ns["reply"].parsed == {"age": 22} and ns["stream"].completion.text == "There was a fox"
    assert [r.path for r in sent(emu, "tgi_generate")] == ["/generate", "/generate_stream", "/generate"]


def test_tgi_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TGI_BASE_URL", emu.base_url("tgi"))
    emu.script(Script(text="Hello."))
    assert run_page("notes/tgi.md")["reply"].text == "Hello."


def test_lorax_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LORAX_BASE_URL", emu.base_url("lorax"))
    emu.script(Script(text="positive"))
    assert run_page("notes/lorax.md")["reply"].text == "positive"


def test_predibase_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREDIBASE_API_TOKEN", emu.api_key or "")
    monkeypatch.setenv("PREDIBASE_TENANT_ID", "tenant-1")
    monkeypatch.setenv("PREDIBASE_BASE_URL", emu.url + "/predibase/{tenant_id}/deployments/v2/llms")
    emu.script(Script(text="An LLM is..."))
    assert run_page("notes/predibase.md")["reply"].text == "An LLM is..."
    assert sent(emu, "predibase")[-1].path == "/tenant-1/deployments/v2/llms/qwen3-8b/generate"


def test_triton_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRITON_HOST", emu.base_url("triton"))
    emu.script(Script(text="ML is..."), Script(text="old pond frog"))
    ns = run_page("notes/triton.md")
    assert ns["reply"].text == "ML is..." and ns["stream"].completion.text == "old pond frog"
    assert sent(emu, "triton")[-1].path == "/v2/models/ensemble/versions/1/generate_stream"
