"""Issue 17: ``import llmkit`` plus one sync call loads only that provider's modules, and never
asyncio or aiohttp (checked in a fresh interpreter against the emulator)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmkit.emulator import Emulator

PROBE = r"""
import json, sys
import llmkit
client = llmkit.Client()
reply = client.complete(sys.argv[1], "hi", api_key=sys.argv[2], base_url=sys.argv[3])
assert reply.text
print(json.dumps(sorted(sys.modules)))
"""

# Operation machinery a chat call has no use for: loaded by the first image job, embed call or
# image-URL fetch instead.
NOT_FOR_CHAT = {"llmkit._fetch", "llmkit.operations._jobs", "llmkit.operations._batching"}


def _modules_after_one_call(emu: Emulator, model: str, profile: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, model, emu.api_key or "sk-x", emu.base_url(profile)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    ("model", "profile", "dialect"),
    [
        ("openai/gpt-4o-mini", "openai", "openai_chat"),
        ("anthropic/claude-sonnet-4-5", "anthropic", "anthropic"),
    ],
)
def test_one_sync_call_loads_only_its_provider(emu: Emulator, model: str, profile: str, dialect: str) -> None:
    mods = _modules_after_one_call(emu, model, profile)
    assert "asyncio" not in mods and "aiohttp" not in mods
    assert not mods & NOT_FOR_CHAT, sorted(mods & NOT_FOR_CHAT)
    dialects = {
        m.split(".")[2]
        for m in mods
        if m.startswith("llmkit.dialects.") and not m.split(".")[2].startswith("_")
    }
    assert dialects <= {dialect, "base"}, sorted(dialects)
    providers = {m.split(".")[2] for m in mods if m.startswith("llmkit.providers.")}
    assert providers <= {profile, "spec"}, sorted(providers)
    assert not any(
        m.startswith(("llmkit.auth.", "llmkit.emulator")) and m != "llmkit.auth.base" for m in mods
    )


# Every module a first sync openai ``complete()`` may load (issue 17): a new one, or a cache /
# observe / images / ranking / other-operation / other-dialect module, fails here.
OPENAI_ALLOWED = (
    "llmkit",
    "llmkit._accumulate", "llmkit._args", "llmkit._constants", "llmkit._defaults",
    "llmkit._drivers", "llmkit._driver_steps", "llmkit._sync_driver", "llmkit._async_driver",
    "llmkit._guard", "llmkit._headers", "llmkit._inputs", "llmkit._parts",
    "llmkit._proxy", "llmkit._redact", "llmkit._resolve", "llmkit._retry", "llmkit._retry_after",
    "llmkit._stream", "llmkit._timeout", "llmkit._tls", "llmkit._urls",
    "llmkit.api", "llmkit.functions", "llmkit.errors", "llmkit.types", "llmkit.wire",
    "llmkit.auth", "llmkit.auth.base",
    "llmkit.dialects", "llmkit.dialects._errors", "llmkit.dialects._vectors", "llmkit.dialects.base",
    "llmkit.framing", "llmkit.framing.body", "llmkit.framing.fields", "llmkit.framing.sse",
    "llmkit.operations", "llmkit.operations.base", "llmkit.operations.chat", "llmkit.operations.settings",
    "llmkit.providers", "llmkit.providers.openai", "llmkit.providers.spec",
    "llmkit.transport", "llmkit.transport.sync_http",
)  # fmt: skip
OPENAI_ALLOWED_PREFIXES = ("llmkit.dialects.openai_chat",)


def test_a_first_openai_complete_loads_only_the_allowed_modules(emu: Emulator) -> None:
    probe = PROBE.replace("client = llmkit.Client()\nreply = client.complete", "reply = llmkit.complete")
    out = subprocess.run(
        [sys.executable, "-c", probe, "openai/gpt-4o-mini", emu.api_key or "sk-x", emu.base_url("openai")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    mods = set(json.loads(out.stdout))
    assert not mods & {"asyncio", "aiohttp"}
    ours = {m for m in mods if m == "llmkit" or m.startswith("llmkit.")}
    extra = sorted(m for m in ours if m not in OPENAI_ALLOWED and not m.startswith(OPENAI_ALLOWED_PREFIXES))
    assert not extra, f"a first openai complete() loaded {extra}"
