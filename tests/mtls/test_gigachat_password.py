"""GigaChat's user/password token (on-premise and business installs): ``POST <base_url>/token``
with Basic user:password, answering ``{tok, exp}``; through the public API, sync and async, over
loopback against the emulator, and held against the official ``gigachat`` SDK both ways (the SDK's
own password flow against the emulator; llmkit's token request checked against what the SDK sends)."""

from __future__ import annotations

import asyncio
import base64
import pickle
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.auth import gigachat as gauth
from llmkit.emulator import Emulator, Script
from llmkit.emulator import gigachat as giga_emu
from llmkit.errors import AuthenticationError, ConfigurationError

MODEL = "gigachat/GigaChat"


@pytest.fixture
def giga(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    for name in ("GIGACHAT_CREDENTIALS", "GIGACHAT_SCOPE", "GIGACHAT_CA_BUNDLE_FILE", "GIGACHAT_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIGACHAT_BASE_URL", emu.base_url("gigachat"))
    monkeypatch.setenv("GIGACHAT_USER", giga_emu.DEFAULT_USER)
    monkeypatch.setenv("GIGACHAT_PASSWORD", giga_emu.DEFAULT_PASSWORD)
    gauth._MANAGERS.clear()
    giga_emu.store_for(emu).lifetime = 1800.0
    yield emu
    gauth._MANAGERS.clear()
    giga_emu.store_for(emu).lifetime = 1800.0


def _tokens(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path == "/api/v1/token"]


def _complete(mode: str, **kw: Any) -> llmkit.Completion:
    if mode == "sync":
        with llmkit.Client(max_retries=kw.pop("max_retries", 2)) as client:
            return client.complete(MODEL, "hi", **kw)

    async def main() -> llmkit.Completion:
        async with llmkit.AsyncClient(max_retries=kw.pop("max_retries", 2)) as client:
            return await client.complete(MODEL, "hi", **kw)

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_user_and_password_get_a_token_at_base_url_token(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="on premise"), Script(text="again"))
    assert _complete(mode).text == "on premise"
    assert _complete(mode).text == "again"
    (token,) = _tokens(giga)  # one token for both calls
    expected = base64.b64encode(f"{giga_emu.DEFAULT_USER}:{giga_emu.DEFAULT_PASSWORD}".encode()).decode()
    assert token.headers["authorization"] == f"Basic {expected}" and token.body == b""
    assert not [r for r in giga.requests if r.path == "/api/v2/oauth"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_and_embeddings(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="one two"))

    if mode == "sync":
        text = "".join(e.text for e in llmkit.stream(MODEL, "hi") if isinstance(e, llmkit.TextDelta))
        vectors = llmkit.embed("gigachat/Embeddings", ["a", "b"]).vectors
    else:

        async def main() -> tuple[str, Any]:
            async with llmkit.AsyncClient() as client:
                parts = [e.text async for e in client.stream(MODEL, "hi") if isinstance(e, llmkit.TextDelta)]
                return "".join(parts), (await client.embed("gigachat/Embeddings", ["a", "b"])).vectors

        text, vectors = asyncio.run(main())
    assert text == "one two" and len(vectors) == 2
    assert len(_tokens(giga)) == 1


def test_an_expired_token_is_fetched_again(giga: Emulator) -> None:
    giga_emu.set_token_lifetime(giga, 30.0)  # inside the 60 s margin: every call refreshes
    giga.script(Script(text="a"), Script(text="b"))
    _complete("sync")
    _complete("sync")
    assert len(_tokens(giga)) == 2


def test_a_revoked_token_is_refreshed_once_after_the_401(giga: Emulator) -> None:
    giga.script(Script(text="first"), Script(text="second"))
    _complete("sync")
    giga_emu.revoke_tokens(giga)
    assert _complete("sync").text == "second"
    assert len(_tokens(giga)) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_wrong_password_names_the_options_without_it(
    giga: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIGACHAT_PASSWORD", "not-the-password-42")
    with pytest.raises(AuthenticationError, match="GIGACHAT_PASSWORD") as info:
        _complete(mode, max_retries=0)
    text = str(info.value) + repr(info.value) + repr(pickle.loads(pickle.dumps(info.value)))
    assert "not-the-password-42" not in text
    assert base64.b64encode(b"emu-user:not-the-password-42").decode() not in text


def test_the_authorization_key_wins_as_in_the_sdk(giga: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", giga_emu.DEFAULT_CREDENTIALS)
    monkeypatch.setenv("GIGACHAT_AUTH_URL", giga_emu.auth_url(giga))
    giga.script(Script(text="key"))
    _complete("sync")
    assert not _tokens(giga) and [r for r in giga.requests if r.path == "/api/v2/oauth"]


def test_options_by_keyword_and_half_a_pair(giga: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIGACHAT_USER")
    monkeypatch.delenv("GIGACHAT_PASSWORD")
    giga.script(Script(text="kw"))
    assert (
        llmkit.complete(MODEL, "hi", user=giga_emu.DEFAULT_USER, password=giga_emu.DEFAULT_PASSWORD).text
        == "kw"
    )
    with pytest.raises(ConfigurationError, match=r"password= \(or GIGACHAT_PASSWORD\)"):
        llmkit.complete(MODEL, "hi", user="someone")
    with pytest.raises(ConfigurationError, match="GIGACHAT_USER"):
        llmkit.complete(MODEL, "hi")


def test_the_auth_repr_hides_the_password() -> None:
    auth = gauth.GigaChatPasswordAuth("u", "s3cret-pass", None)
    assert "s3cret-pass" not in repr(auth) and "u" in repr(auth)


# -- against the official SDK --------------------------------------------------------------------

gigachat = pytest.importorskip("gigachat")


def test_the_sdks_password_flow_against_the_emulator(giga: Emulator) -> None:
    giga.script(Script(text="hello from the SDK"))
    with gigachat.GigaChat(
        base_url=giga.base_url("gigachat"),
        user=giga_emu.DEFAULT_USER,
        password=giga_emu.DEFAULT_PASSWORD,
        model="GigaChat",
    ) as sdk:
        answer = sdk.chat("hi")
    assert answer.choices[0].message.content == "hello from the SDK"
    (sdk_token,) = _tokens(giga)
    giga.requests.clear()
    giga.script(Script(text="ours"))
    _complete("sync")
    (ours,) = _tokens(giga)
    # The same request: method, path, credentials and (empty) body.
    assert (ours.method, ours.full_path, ours.headers["authorization"], ours.body) == (
        sdk_token.method,
        sdk_token.full_path,
        sdk_token.headers["authorization"],
        sdk_token.body,
    )


def test_the_emulators_answer_parses_with_the_sdks_token_model(giga: Emulator) -> None:
    import httpx2
    from gigachat.models.auth import Token

    basic = base64.b64encode(f"{giga_emu.DEFAULT_USER}:{giga_emu.DEFAULT_PASSWORD}".encode()).decode()
    r = httpx2.post(giga.base_url("gigachat") + "/token", headers={"authorization": f"Basic {basic}"})
    token = Token.model_validate(r.json())
    assert token.tok.startswith("emu-giga-") and token.exp > 1e12


def test_the_gigachat_page_runs_on_user_and_password(
    giga: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every example of docs/notes/gigachat.md, with GIGACHAT_USER/PASSWORD instead of a key."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "docs"))
    from _pages import run_page

    run_page("notes/gigachat.md")
    assert _tokens(giga) and not [r for r in giga.requests if r.path == "/api/v2/oauth"]
