"""The ``llmkit`` command: --version, chat's usage line and empty-prompt refusal, docs outside a
checkout, and ``emulator serve`` (its listing, its request log, a busy port)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import llmkit
from llmkit.cli import main
from llmkit.emulator import PROFILES, Emulator, Script
from llmkit.emulator.bedrock import ACCESS_KEY, BEDROCK_API_KEY, SECRET_KEY
from llmkit.providers import all_specs

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def _cli(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmkit.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=60,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"llmkit {llmkit.__version__}"


def test_chat_prints_the_answer_then_the_usage(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    emu.script(Script(text="Bonjour tout le monde", input_tokens=7, output_tokens=4))
    argv = ["chat", "-m", "openai/gpt-4o-mini", "--base-url", emu.base_url("openai"), "Say", "hello"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == "Bonjour tout le monde\n"  # stdout holds the answer alone
    assert "7 input + 4 output = 11 tokens" in err
    assert emu.requests[-1].json()["messages"] == [{"role": "user", "content": "Say hello"}]


def test_chat_reads_a_piped_prompt(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setattr(sys, "stdin", io.StringIO("from a pipe\n"))
    emu.script(Script(text="piped"))
    assert main(["chat", "-m", "openai/gpt-4o-mini", "--base-url", emu.base_url("openai")]) == 0
    assert emu.requests[-1].json()["messages"][-1]["content"] == "from a pipe\n"


@pytest.mark.parametrize("prompt", [[], ["   "], ["", "\t"]])
def test_chat_refuses_an_empty_prompt_before_any_network(
    prompt: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    # A port nothing listens on: reaching the network would be a different error.
    argv = ["chat", "-m", "openai/gpt-4o-mini", "--base-url", "http://127.0.0.1:9/v1", *prompt]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "empty prompt" in err


def test_chat_with_empty_stdin_in_a_subprocess() -> None:
    proc = _cli("chat", "-m", "openai/gpt-4o-mini", stdin="")
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("or on standard input") and "Traceback" not in proc.stderr


def test_docs_outside_a_checkout_says_so(tmp_path: Path) -> None:
    proc = _cli("docs", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not an llmkit checkout" in proc.stderr and "--root" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_docs_check_outside_a_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("# someone else's project\n")
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 2
    assert "not an llmkit checkout" in capsys.readouterr().err


def test_serve_on_a_busy_port_is_one_line_and_fails() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _cli("emulator", "serve", "--port", str(port))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "--port" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def _read_until(stream: io.TextIOBase, marker: str, deadline: float) -> list[str]:
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} never came: {lines}")


def test_serve_lists_every_provider_with_credentials_and_logs_requests() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmkit.cli", "emulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        lines = _read_until(proc.stdout, "One line per request", time.monotonic() + 30)
        url = lines[0].split(" on ", 1)[1].split()[0]
        listing = "\n".join(lines)
        for spec in all_specs():
            assert f"  {spec.name:<20} {url}/{spec.name}" in listing, spec.name
        assert f"AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY}" in listing
        assert f"api_key={BEDROCK_API_KEY}" in listing
        assert f"{url}/google_oauth/token" in listing
        assert len(lines) == 3 + 2 * len(PROFILES)
        c = llmkit.complete(
            "groq/llama-3.3-70b-versatile",
            "hi",
            base_url=f"{url}/groq/openai/v1",
            api_key="sk-any",
            max_retries=0,
        )
        assert c.text
        log = proc.stderr.readline().strip()
        method, path, status, ms, unit = log.split(" ")
        assert (method, path, status, unit) == ("POST", "/groq/openai/v1/chat/completions", "200", "ms")
        assert float(ms) >= 0
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


def test_log_lines_never_carry_the_query() -> None:
    lines: list[str] = []
    with Emulator(api_key=CANARY_KEY, log=lines.append) as logged:
        with pytest.raises(llmkit.LLMKitError):
            llmkit.complete(
                "gemini/gemini-2.5-flash", "hi", base_url=logged.base_url("gemini"), api_key="bad-k"
            )
    assert lines and all("?" not in line and "bad-k" not in line for line in lines)


def test_a_client_hanging_up_prints_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with Emulator() as emu:
        host, port = emu.url.removeprefix("http://").split(":")
        for _ in range(3):
            with socket.create_connection((host, int(port))) as conn:
                conn.sendall(b"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        time.sleep(0.1)
    assert "Traceback" not in capfd.readouterr().err


def test_every_profile_describes_its_credentials_without_echoing_the_key() -> None:
    from llmkit.emulator.credentials import describe

    secret = "sk-serve-secret-0000"
    lines = {name: describe(p, "http://127.0.0.1:1", secret) for name, p in PROFILES.items()}
    assert all(lines.values()) and not [n for n, line in lines.items() if secret in line]
    assert lines["openai"] == "authorization: Bearer <the --api-key value>"
    assert lines["ollama"] == "no credentials"
    assert "anthropic-version" in lines["zai_anthropic"] and "x-api-key" in lines["anthropic"]
    assert "?api-version=" in lines["azure_openai"] and "modal-key" in lines["modal_proxy"]
    assert lines["vertex_ai_mistral"].startswith("Authorization: Bearer")


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_serve_refuses_a_port_that_is_no_port(port: str) -> None:
    proc = _cli("emulator", "serve", "--port", port)
    assert proc.returncode == 2
    assert "is not a port" in proc.stderr and "Traceback" not in proc.stderr
