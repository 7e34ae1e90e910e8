"""The official replicate client (replicate-python, test-only) as the third party: aimed at the
emulator it creates, waits on, polls, streams and cancels predictions and reads its errors (so
the emulator speaks what the SDK expects); and llmkit sends the same requests the SDK sends for
the same call (path, body, Prefer)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script

replicate = pytest.importorskip("replicate")
from replicate.exceptions import ModelError, ReplicateError  # noqa: E402

MODEL = "meta/meta-llama-3-8b-instruct"
VERSION = "5c7854e8a7c3b4d1f0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7"


@pytest.fixture
def sdk(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("REPLICATE_POLL_INTERVAL", "0.01")
    return replicate.Client(api_token=CANARY_KEY, base_url=emu.base_url("replicate"))


def test_sdk_create_wait_and_poll(emu: Emulator, sdk: Any) -> None:
    emu.script(Script(text="polled by the SDK", extra={"polls": 2}))
    p = sdk.models.predictions.create(model=MODEL, input={"prompt": "hi"})
    assert p.status == "starting" and p.urls["get"].endswith(f"/v1/predictions/{p.id}")
    p.wait()
    assert p.status == "succeeded" and "".join(p.output) == "polled by the SDK"
    assert p.metrics["input_token_count"] == 12


def test_sdk_run_stream_cancel_and_errors(emu: Emulator, sdk: Any) -> None:
    emu.script(Script(text="run output"))
    assert "".join(sdk.run(MODEL, input={"prompt": "hi"})) == "run output"
    emu.script(Script(text="streamed to the SDK"))
    events = list(sdk.stream(MODEL, input={"prompt": "hi"}))
    assert "".join(str(e) for e in events) == "streamed to the SDK" and events[-1].event.value == "done"
    emu.script(Script(extra={"polls": 5}))
    p = sdk.predictions.create(version=VERSION, input={"prompt": "hi"})
    p.cancel()
    p.reload()
    assert p.status == "canceled"
    d = sdk.deployments.predictions.create("acme/my-llm", input={"prompt": "hi"})
    assert d.status in ("starting", "processing", "succeeded")
    emu.script(Script(extra={"fail": "CUDA out of memory"}))
    with pytest.raises(ModelError, match="CUDA out of memory"):
        sdk.run(MODEL, input={"prompt": "hi"})
    bad = replicate.Client(api_token="r8_wrong", base_url=emu.base_url("replicate"))
    with pytest.raises(ReplicateError) as info:
        bad.models.predictions.create(model=MODEL, input={"prompt": "hi"})
    assert info.value.status == 401 and info.value.title == "Unauthenticated"


def test_llmkit_sends_what_the_sdk_sends(emu: Emulator, sdk: Any) -> None:
    inp = {"prompt": "Name a camelid.", "system_prompt": "Be brief.", "temperature": 0.2, "max_tokens": 9}
    sdk.models.predictions.create(model=MODEL, input=inp, wait=True)
    llmkit.complete(
        f"replicate/{MODEL}",
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a camelid."}],
        temperature=0.2,
        max_tokens=9,
        api_key=CANARY_KEY,
        base_url=emu.base_url("replicate"),
    )
    sdk.predictions.create(version=VERSION, input={"prompt": "hi"}, wait=True)
    llmkit.complete(
        f"replicate/meta/llama:{VERSION}", "hi", api_key=CANARY_KEY, base_url=emu.base_url("replicate")
    )
    a, b, c, d = emu.requests
    for theirs, ours in ((a, b), (c, d)):
        assert ours.path == theirs.path
        assert ours.json() == theirs.json()
        assert ours.headers["prefer"] == theirs.headers["prefer"] == "wait"
        assert ours.headers["authorization"] == theirs.headers["authorization"]
