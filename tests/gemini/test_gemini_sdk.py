"""The official google-genai SDK (a test-only dependency) against the emulator: it must parse the
emulator's answers and streams, and llmkit must send what the SDK sends for the same call."""

from __future__ import annotations

from typing import Any

import pytest

import llmkit
from llmkit.dialects import register_dialect
from llmkit.emulator import Emulator, Script, ScriptedCall, add_profile
from llmkit.emulator import gemini as emu_gemini
from llmkit.emulator.gemini import camel_keys
from llmkit.providers import get_spec, register
from llmkit.providers.google import SPECS

genai = pytest.importorskip("google.genai")
types = pytest.importorskip("google.genai.types")
oauth_credentials = pytest.importorskip("google.oauth2.credentials")

register_dialect("gemini", "llmkit.dialects.gemini")
for _spec in SPECS:
    try:
        get_spec(_spec.name)
    except llmkit.ConfigurationError:
        register(_spec)
for _profile in (emu_gemini.AI_STUDIO, emu_gemini.VERTEX):
    add_profile(_profile)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"


@pytest.fixture
def client(emu: Emulator) -> Any:
    opts = types.HttpOptions(base_url=f"{emu.url}/gemini", api_version="v1beta")
    return genai.Client(api_key=CANARY_KEY, http_options=opts)


@pytest.fixture
def vertex_client(emu: Emulator) -> Any:
    creds = oauth_credentials.Credentials(token=CANARY_KEY)
    opts = types.HttpOptions(base_url=f"{emu.url}/vertex_ai", api_version="v1")
    return genai.Client(
        vertexai=True, project="p", location="us-central1", credentials=creds, http_options=opts
    )


def test_sdk_reads_text_thoughts_and_usage(emu: Emulator, client: Any) -> None:
    emu.script(
        Script(
            text="Hi there",
            reasoning="pondering",
            input_tokens=7,
            output_tokens=2,
            cached_tokens=3,
            reasoning_tokens=5,
        )
    )
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    r = client.models.generate_content(model="gemini-2.5-flash", contents="hello", config=config)
    parts = r.candidates[0].content.parts
    assert [(p.text, bool(p.thought)) for p in parts] == [("pondering", True), ("Hi there", False)]
    assert r.candidates[0].finish_reason == types.FinishReason.STOP
    assert r.usage_metadata.prompt_token_count == 7
    assert r.usage_metadata.candidates_token_count == 2
    assert r.usage_metadata.cached_content_token_count == 3
    assert r.usage_metadata.thoughts_token_count == 5
    assert r.usage_metadata.total_token_count == 14
    assert r.response_id
    assert emu.requests[-1].full_path == "/gemini/v1beta/models/gemini-2.5-flash:generateContent"


def test_sdk_reads_parallel_function_calls(emu: Emulator, client: Any) -> None:
    emu.script(
        Script(
            tool_calls=[
                ScriptedCall("get_weather", {"city": "Paris"}),
                ScriptedCall("get_weather", {"city": "Rome"}),
            ],
            extra={"thought_signature": "c2lnbmF0dXJl"},
        )
    )
    decl = types.FunctionDeclaration(
        name="get_weather",
        description="Weather for a city",
        parameters=types.Schema(
            type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]
        ),
    )
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[decl])])
    r = client.models.generate_content(model="gemini-2.5-flash", contents="weather?", config=config)
    calls = r.function_calls
    assert [(c.name, c.args) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    assert r.candidates[0].content.parts[0].thought_signature == b"signature"


def test_sdk_reads_the_stream(emu: Emulator, client: Any) -> None:
    emu.script(Script(text="alpha beta gamma delta", input_tokens=4, output_tokens=4))
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="go"))
    assert len(chunks) > 1
    assert "".join(c.text or "" for c in chunks) == "alpha beta gamma delta"
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert chunks[-1].usage_metadata.total_token_count == 8
    assert emu.requests[-1].query == {"alt": "sse"}


def test_sdk_reads_a_blocked_prompt(emu: Emulator, client: Any) -> None:
    emu.script(Script(extra={"block_reason": "PROHIBITED_CONTENT"}))
    r = client.models.generate_content(model="gemini-2.5-flash", contents="bad")
    assert not r.candidates
    assert r.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT


def test_sdk_count_tokens_and_embeddings(emu: Emulator, client: Any) -> None:
    counted = client.models.count_tokens(model="gemini-2.5-flash", contents="one two three")
    assert counted.total_tokens == 3
    emb = client.models.embed_content(
        model="gemini-embedding-001",
        contents=["a", "b"],
        config=types.EmbedContentConfig(output_dimensionality=4),
    )
    assert [len(e.values) for e in emb.embeddings] == [4, 4]


def test_sdk_errors_are_google_errors(emu: Emulator) -> None:
    opts = types.HttpOptions(base_url=f"{emu.url}/gemini", api_version="v1beta")
    bad = genai.Client(api_key="AIza-not-the-right-key-at-all", http_options=opts)
    errors = pytest.importorskip("google.genai.errors")
    with pytest.raises(errors.ClientError) as info:
        bad.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert info.value.code == 400
    assert info.value.status == "INVALID_ARGUMENT"


def test_sdk_on_vertex(emu: Emulator, vertex_client: Any) -> None:
    emu.script(Script(text="vertex says hi"), Script(text="streamed vertex words"))
    r = vertex_client.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert r.text == "vertex says hi"
    path = emu.requests[-1].full_path
    assert path == "/vertex_ai/v1/projects/p/locations/us-central1/publishers/google/models/" + (
        "gemini-2.5-pro:generateContent"
    )
    assert emu.requests[-1].headers["authorization"] == f"Bearer {CANARY_KEY}"
    text = "".join(
        c.text or ""
        for c in vertex_client.models.generate_content_stream(model="gemini-2.5-pro", contents="x")
    )
    assert text == "streamed vertex words"
    assert vertex_client.models.count_tokens(model="gemini-2.5-pro", contents="a b").total_tokens == 2


def test_llmkit_sends_what_the_sdk_sends(emu: Emulator, client: Any) -> None:
    config = types.GenerateContentConfig(
        system_instruction="Be brief.",
        temperature=0.25,
        max_output_tokens=64,
        stop_sequences=["END"],
        top_p=0.5,
        thinking_config=types.ThinkingConfig(thinking_budget=128, include_thoughts=True),
        safety_settings=[
            types.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="BLOCK_ONLY_HIGH")
        ],
    )
    contents = [
        types.Content(role="user", parts=[types.Part(text="What is 2+2?")]),
        types.Content(role="model", parts=[types.Part(text="4")]),
        types.Content(role="user", parts=[types.Part(text="And 3+3?")]),
    ]
    client.models.generate_content(model="gemini-2.5-flash", contents=contents, config=config)
    theirs = emu.requests[-1].json()
    llmkit.complete(
        "gemini/gemini-2.5-flash",
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "And 3+3?"},
        ],
        temperature=0.25,
        max_tokens=64,
        stop=["END"],
        top_p=0.5,
        thinking_budget=128,
        include_thoughts=True,
        safety_settings={"HARM_CATEGORY_HARASSMENT": "BLOCK_ONLY_HIGH"},
        base_url=emu.base_url("gemini"),
        api_key=CANARY_KEY,
    )
    ours = emu.requests[-1].json()
    assert ours["contents"] == theirs["contents"]
    assert ours["safetySettings"] == theirs["safetySettings"]
    # google-genai 3.4 sends thinkingConfig's fields in snake_case (proto3 JSON accepts both);
    # llmkit sends the camelCase JSON names the protos declare.
    assert "thinking_budget" in theirs["generationConfig"]["thinkingConfig"]
    assert ours["generationConfig"] == camel_keys(theirs["generationConfig"])
    # The SDK sends a role on the system instruction; Google ignores it there.
    assert ours["systemInstruction"]["parts"] == theirs["systemInstruction"]["parts"]


# ---------------------------------------------------------------- Vertex AI partner models (emulator only)


def test_anthropic_sdk_on_vertex_partner_route(emu: Emulator) -> None:
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.AnthropicVertex(
        region="us-east5",
        project_id="p",
        access_token=CANARY_KEY,
        base_url=f"{emu.url}/vertex_ai/v1",
        max_retries=0,
    )
    emu.script(Script(text="Claude on Vertex"), Script(text="streamed Claude words"))
    msg = client.messages.create(
        model="claude-sonnet-4-5@20250929", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    )
    assert msg.content[0].text == "Claude on Vertex"
    sent = emu.requests[-1]
    assert sent.full_path == (
        "/vertex_ai/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )
    assert "model" not in sent.json() and sent.json()["anthropic_version"]
    with client.messages.stream(
        model="claude-sonnet-4-5@20250929", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    ) as s:
        assert s.get_final_text() == "streamed Claude words"
    assert emu.requests[-1].full_path.endswith(":streamRawPredict")
    counted = client.messages.count_tokens(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}]
    )
    assert counted.input_tokens > 0
    assert emu.requests[-1].full_path.endswith("/publishers/anthropic/models/count-tokens:rawPredict")


def test_mistral_and_ai21_partner_routes(emu: Emulator) -> None:
    import json
    import urllib.error
    import urllib.request

    def post(path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        req = urllib.request.Request(
            f"{emu.url}/vertex_ai{path}",
            json.dumps(body).encode(),
            {"content-type": "application/json", "authorization": f"Bearer {CANARY_KEY}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status), bytes(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    base = "/v1/projects/p/locations/us-central1/publishers"
    chat = {"model": "mistral-large-2411", "messages": [{"role": "user", "content": "hi"}]}
    emu.script(Script(text="bonjour"))
    status, raw = post(f"{base}/mistralai/models/mistral-large-2411:rawPredict", chat)
    assert status == 200
    assert json.loads(raw)["choices"][0]["message"]["content"] == "bonjour"
    status, raw = post(
        f"{base}/mistralai/models/mistral-large-2411:streamRawPredict", {**chat, "stream": True}
    )
    assert status == 200 and raw.rstrip().endswith(b"data: [DONE]")
    status, _ = post(f"{base}/mistralai/models/mistral-large-2411:rawPredict", {"messages": chat["messages"]})
    assert status == 400  # Mistral on Vertex keeps model in the body
    jamba = {**chat, "model": "jamba-1.5-large"}
    assert post(f"{base}/ai21/models/jamba-1.5-large@001:rawPredict", jamba)[0] == 404  # v1beta1 only
    v1beta1 = base.replace("/v1/", "/v1beta1/")
    assert post(f"{v1beta1}/ai21/models/jamba-1.5-large@001:rawPredict", jamba)[0] == 200
