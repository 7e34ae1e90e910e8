"""Issue 17: ``import llmkit`` plus one sync call loads only that provider's modules, and never
asyncio, aiohttp or httpx2 (checked in a fresh interpreter against the emulator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from llmkit.emulator import Emulator
from llmkit.emulator.bedrock import _aws as aws

PROBE = r"""
import json, sys
import llmkit
client = llmkit.Client()
reply = client.complete(sys.argv[1], "hi", max_tokens=16, **json.loads(sys.argv[2]))
assert reply.text
print(json.dumps(sorted(sys.modules)))
"""

# Operation machinery a chat call has no use for: loaded by the first image job, embed call or
# image-URL fetch instead.
NOT_FOR_CHAT = {"llmkit._fetch", "llmkit.operations._jobs", "llmkit.operations._batching"}

# SigV4 with the emulator's fake AWS credentials; no real AWS configuration is read.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": aws.ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": aws.SECRET_KEY,
    "AWS_REGION": aws.REGION,
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}
AWS_SCRUBBED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION")


def _modules_after_one_call(
    emu: Emulator, model: str, profile: str, credential: str = "api_key", code: str = PROBE
) -> set[str]:
    kw: dict[str, str] = {"base_url": emu.base_url(profile)}
    env = {k: v for k, v in os.environ.items() if k not in AWS_SCRUBBED}
    if credential == "aws":
        env.update(AWS_ENV)
    else:
        kw[credential] = emu.api_key or "sk-x"
    out = subprocess.run(
        [sys.executable, "-c", code, model, json.dumps(kw)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout))


def _packages(mods: set[str], under: str) -> set[str]:
    """The public subpackages/modules of ``llmkit.<under>`` that were loaded."""
    prefix = f"llmkit.{under}."
    return {m.split(".")[2] for m in mods if m.startswith(prefix) and not m.split(".")[2].startswith("_")}


# (model, emulator profile, how the credential is given, the dialect packages, the spec modules,
# the auth modules a first call may load). Each names only its own: a first gemini/ or vertex_ai/
# call used to load the OpenAI and Anthropic dialects too (the Vertex partner specs' quirks), and
# a first bedrock/ call the SageMaker one (every spec of the family was checked on first use).
FIRST_CALLS = [
    ("openai/gpt-4o-mini", "openai", "api_key", {"openai_chat"}, {"openai"}, set()),
    ("anthropic/claude-sonnet-4-5", "anthropic", "api_key", {"anthropic"}, {"anthropic"}, set()),
    ("gemini/gemini-2.5-flash", "gemini", "api_key", {"gemini"}, {"google"}, set()),
    (
        "vertex_ai/gemini-2.5-flash",
        "vertex_ai",
        "access_token",
        {"gemini"},
        {"google"},
        # Google's auth loads its JWT and token-exchange modules even for a given access_token.
        {"google", "google_jwt", "google_token", "tokens"},
    ),
    (
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock",
        "aws",
        # Bedrock's embeddings decode image inputs with the vectors package's shared helper.
        {"bedrock", "vectors"},
        {"aws"},
        {"aws", "aws_credentials", "sigv4", "sigv4_canonical"},
    ),
]


@pytest.mark.parametrize(
    ("model", "profile", "credential", "dialects", "specs", "auth"),
    FIRST_CALLS,
    ids=[row[1] for row in FIRST_CALLS],
)
def test_one_sync_call_loads_only_its_provider(
    emu: Emulator,
    model: str,
    profile: str,
    credential: str,
    dialects: set[str],
    specs: set[str],
    auth: set[str],
) -> None:
    mods = _modules_after_one_call(emu, model, profile, credential)
    assert "asyncio" not in mods and "aiohttp" not in mods
    # A direct request goes over llmkit's own connections: httpx2 is for proxies and http_client=.
    assert "httpx2" not in mods and "httpcore2" not in mods
    assert not mods & NOT_FOR_CHAT, sorted(mods & NOT_FOR_CHAT)
    assert _packages(mods, "dialects") <= dialects | {"base"}, sorted(_packages(mods, "dialects"))
    assert _packages(mods, "providers") <= specs | {"spec"}, sorted(_packages(mods, "providers"))
    private_specs = {m for m in mods if m.startswith("llmkit.providers._")}
    assert private_specs <= ({"llmkit.providers._vertex"} if "google" in specs else set()), private_specs
    assert _packages(mods, "auth") <= auth | {"base"}, sorted(_packages(mods, "auth"))
    assert not any(m.startswith("llmkit.emulator") for m in mods)


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
    "llmkit.framing.json_text",  # the scanner-only JSON reader dialects._errors.json_or_raise uses
    "llmkit.operations", "llmkit.operations.base", "llmkit.operations.chat", "llmkit.operations.settings",
    "llmkit.providers", "llmkit.providers.openai", "llmkit.providers.spec",
    "llmkit.transport", "llmkit.transport.sync_http",
    # llmkit's own HTTP/1.1 connections, which carry a direct request (issue 17).
    "llmkit.transport.h1_sync", "llmkit.framing.h1", "llmkit.framing.chunked",
)  # fmt: skip
OPENAI_ALLOWED_PREFIXES = ("llmkit.dialects.openai_chat",)


def test_a_first_openai_complete_loads_only_the_allowed_modules(emu: Emulator) -> None:
    probe = PROBE.replace("client = llmkit.Client()\nreply = client.complete", "reply = llmkit.complete")
    mods = _modules_after_one_call(emu, "openai/gpt-4o-mini", "openai", code=probe)
    assert not mods & {"asyncio", "aiohttp"}
    ours = {m for m in mods if m == "llmkit" or m.startswith("llmkit.")}
    extra = sorted(m for m in ours if m not in OPENAI_ALLOWED and not m.startswith(OPENAI_ALLOWED_PREFIXES))
    assert not extra, f"a first openai complete() loaded {extra}"
