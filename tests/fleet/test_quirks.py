"""Each named quirk of the fleet, tested through the public API against the emulator."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import llmkit
from llmkit import errors, providers
from llmkit._resolve import resolve
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.providers import get_spec, register
from llmkit.providers.spec import ProviderSpec
from llmkit.types import Citation, CitationsUpdate, FinishReason, ReasoningDelta

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"


@pytest.fixture
def temp_spec() -> Iterator[Callable[[ProviderSpec], None]]:
    """Registers spec copies for one test and removes them afterwards (the registry is global)."""
    added: list[str] = []

    def add(spec: ProviderSpec) -> None:
        register(spec)
        added.append(spec.name)

    yield add
    for name in added:
        providers._extra.pop(name, None)
        if providers._registry is not None:
            providers._registry.pop(name, None)


def _url(model: str, **options: Any) -> str:
    r = resolve(
        model, api_key="test-key-123", base_url=None, extra_headers=None, options=options,
        default_keys={}, default_headers={},
    )  # fmt: skip
    return r.ctx.base_url + ("?" + r.query if r.query else "")


def _stream(client: llmkit.Client, model: str, **kw: Any) -> tuple[list[Any], llmkit.Completion]:
    with client.stream(model, "Hi", **kw) as s:
        events = list(s)
        return events, s.completion


# ---------------------------------------------------------------- Perplexity

SEARCH_RESULTS = [
    {"title": "Milky Way - NASA", "url": "https://science.nasa.gov/milky-way", "date": "2024-03-01"},
    {"title": "Galaxy facts", "url": "https://example.org/galaxy", "date": None},
]
PPLX_FIELDS = {
    "citations": [
        "https://science.nasa.gov/milky-way",
        "https://example.org/galaxy",
        "https://example.net/extra",
    ],
    "search_results": SEARCH_RESULTS,
    "related_questions": ["How big is the Milky Way?"],
    "images": [{"image_url": "https://example.org/m.png", "origin_url": "https://example.org"}],
}
EXPECTED_CITATIONS = [
    Citation("https://science.nasa.gov/milky-way", "Milky Way - NASA"),
    Citation("https://example.org/galaxy", "Galaxy facts"),
    Citation("https://example.net/extra"),
]


def test_perplexity_search_options_and_citations(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(text="About 100 billion stars.", extra={"response_fields": PPLX_FIELDS}))
    c = client.complete(
        "perplexity/sonar", "How many stars?", api_key=CANARY_KEY, base_url=emu.base_url("perplexity"),
        search_domain_filter=["nasa.gov"], search_recency_filter="month", return_images=True,
        return_related_questions=True, web_search_options={"search_context_size": "high"},
    )  # fmt: skip
    sent = emu.requests[-1].json()
    assert sent["search_domain_filter"] == ["nasa.gov"]
    assert sent["search_recency_filter"] == "month"
    assert sent["return_images"] is True and sent["return_related_questions"] is True
    assert sent["web_search_options"] == {"search_context_size": "high"}
    assert emu.requests[-1].path == "/chat/completions"  # no /v1 on Perplexity
    assert c.citations == EXPECTED_CITATIONS
    assert c.raw["related_questions"] == ["How big is the Milky Way?"]
    assert c.raw["images"][0]["image_url"] == "https://example.org/m.png"


def test_perplexity_stream_citations_arrive_late(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(text="About 100 billion stars.", extra={"response_fields": PPLX_FIELDS}))
    events, c = _stream(client, "perplexity/sonar", api_key=CANARY_KEY, base_url=emu.base_url("perplexity"))
    updates = [e for e in events if isinstance(e, CitationsUpdate)]
    assert updates and list(updates[-1].citations) == EXPECTED_CITATIONS
    assert c.citations == EXPECTED_CITATIONS
    assert c.text == "About 100 billion stars."
    assert "stream_options" not in emu.requests[-1].json()
    assert c.usage.output_tokens > 0  # the running usage on every chunk, last one wins


def test_perplexity_rejects_unknown_option_before_sending(emu: Emulator, client: llmkit.Client) -> None:
    with pytest.raises(errors.ConfigurationError, match="search_domain_filter"):
        client.complete(
            "perplexity/sonar", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("perplexity"), serch=1
        )
    assert not emu.requests


# ---------------------------------------------------------------- xAI


def test_xai_bad_key_is_400_and_authentication_error(emu: Emulator, client: llmkit.Client) -> None:
    with pytest.raises(errors.AuthenticationError) as info:
        client.complete("xai/grok-4", "Hi", api_key="xai-wrong-key-000000", base_url=emu.base_url("xai"))
    err = info.value
    assert err.status_code == 400
    assert err.error_code == "invalid-argument"
    assert isinstance(err.body, dict) and isinstance(err.body["error"], str)  # {code, error} shape
    assert "xai-wrong-key-000000" not in str(err)


def test_xai_other_invalid_argument_stays_bad_request(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(error=ScriptedError(400, "Model grok-9 does not exist.", code="invalid-argument")))
    with pytest.raises(errors.BadRequestError) as info:
        client.complete("xai/grok-9", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("xai"))
    assert not isinstance(info.value, errors.AuthenticationError)


def test_xai_missing_credentials_is_401(
    emu: Emulator, client: llmkit.Client, temp_spec: Callable[[ProviderSpec], None]
) -> None:
    # llmkit never sends a keyless xAI call; a copy of the spec that may shows how xAI answers one.
    temp_spec(dataclasses.replace(get_spec("xai"), name="xai_keyless", key_required=False, env_keys=()))
    with pytest.raises(errors.AuthenticationError) as info:
        client.complete("xai_keyless/grok-4", "Hi", base_url=emu.base_url("xai"))
    assert info.value.status_code == 401
    assert info.value.error_code == "unauthenticated:no-credentials"


def test_xai_reasoning_and_token_counting_capability(emu: Emulator, client: llmkit.Client) -> None:
    spec = get_spec("xai")
    # xAI's tokenize-text counts a text, not a request: no count_tokens flag (test_emulator_registry.py).
    assert not spec.supports("count_tokens") and "tokenize-text" in spec.notes
    emu.script(Script(text="Olá!", reasoning="The user wants Portuguese."))
    c = client.complete("xai/grok-4", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("xai"), max_tokens=20)
    assert c.message.reasoning == "The user wants Portuguese."
    assert emu.requests[-1].json()["max_completion_tokens"] == 20
    emu.script(Script(text="Olá!", reasoning="Thinking it over."))
    events, s = _stream(client, "xai/grok-4", api_key=CANARY_KEY, base_url=emu.base_url("xai"))
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Thinking it over."
    assert s.text == "Olá!"


# ---------------------------------------------------------------- Azure OpenAI


def test_azure_openai_deployment_url_api_version_and_key(emu: Emulator, client: llmkit.Client) -> None:
    base = emu.base_url("azure_openai")
    client.complete("azure_openai/my-gpt4o", "Hi", api_key=CANARY_KEY, base_url=base)
    req = emu.requests[-1]
    assert req.full_path.endswith("/openai/deployments/my-gpt4o/chat/completions")
    assert req.query["api-version"] == "2024-10-21"
    assert req.headers["api-key"] == CANARY_KEY
    assert "authorization" not in req.headers
    client.complete(
        "azure_openai/my-gpt4o", "Hi", api_key=CANARY_KEY, base_url=base, api_version="2025-04-01-preview"
    )
    assert emu.requests[-1].query["api-version"] == "2025-04-01-preview"
    assert "api_version" not in emu.requests[-1].json()


def test_azure_openai_endpoint_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_BASE_URL", raising=False)
    url = _url("azure_openai/dep", endpoint="https://contoso.openai.azure.com")
    assert url == "https://contoso.openai.azure.com/openai?api-version=2024-10-21"
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://fabrikam.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-06-01")
    assert _url("azure_openai/dep") == "https://fabrikam.openai.azure.com/openai?api-version=2024-06-01"


def test_azure_openai_entra_token_provider(
    emu: Emulator, client: llmkit.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    calls: list[int] = []

    def token_provider() -> str:
        calls.append(1)
        return CANARY_KEY  # the emulator accepts its one key as a bearer token too

    base = emu.base_url("azure_openai")
    for _ in range(2):
        c = client.complete("azure_openai/dep", "Hi", base_url=base, azure_ad_token_provider=token_provider)
        assert c.text
        headers = emu.requests[-1].headers
        assert headers["authorization"] == f"Bearer {CANARY_KEY}" and "api-key" not in headers
    assert len(calls) == 1  # an opaque token is reused a short while (llmkit.auth.azure.OPAQUE_REUSE)
    assert "azure_ad_token_provider" not in emu.requests[-1].json()


def test_azure_openai_credential_object_and_missing_identity(
    emu: Emulator, client: llmkit.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)

    @dataclasses.dataclass
    class Token:
        token: str

    class Credential:
        scopes: list[str] = []

        def get_token(self, scope: str) -> Token:
            self.scopes.append(scope)
            return Token(CANARY_KEY)

    cred = Credential()
    client.complete("azure_openai/dep", "Hi", base_url=emu.base_url("azure_openai"), azure_credential=cred)
    assert cred.scopes == ["https://cognitiveservices.azure.com/.default"]
    with pytest.raises(errors.ConfigurationError, match="AZURE_OPENAI_API_KEY"):
        client.complete("azure_openai/dep", "Hi", base_url=emu.base_url("azure_openai"))
    try:
        import azure.identity  # noqa: F401
    except ImportError:
        with pytest.raises(errors.ConfigurationError, match=r"llmkit\[azure\]"):
            client.complete("azure_openai/dep", "Hi", base_url=emu.base_url("azure_openai"), entra_id=True)


def test_azure_openai_empty_first_stream_chunk(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(text="Oi!"))
    _, c = _stream(client, "azure_openai/dep", api_key=CANARY_KEY, base_url=emu.base_url("azure_openai"))
    assert c.text == "Oi!"
    assert c.id and c.id.startswith("chatcmpl-")  # not the preamble's empty id
    assert c.model == "dep"
    assert c.raw[0]["choices"] == [] and "prompt_filter_results" in c.raw[0]


def test_azure_openai_content_filter(emu: Emulator, client: llmkit.Client) -> None:
    msg = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."
    emu.script(Script(error=ScriptedError(400, msg, code="content_filter")))
    with pytest.raises(errors.ContentFilteredError) as info:
        client.complete("azure_openai/dep", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("azure_openai"))
    assert info.value.error_code == "content_filter"
    assert info.value.body["error"]["innererror"]["code"] == "ResponsibleAIPolicyViolation"
    emu.script(Script(text="partial", finish_reason="content_filter"))
    c = client.complete("azure_openai/dep", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("azure_openai"))
    assert c.finish_reason is FinishReason.CONTENT_FILTER


# ---------------------------------------------------------------- Azure AI Inference


def test_azure_ai_extra_parameters_header(emu: Emulator, client: llmkit.Client) -> None:
    base = emu.base_url("azure_ai")
    with pytest.raises(errors.BadRequestError, match="extra-parameters"):
        client.complete("azure_ai/Phi-4", "Hi", api_key=CANARY_KEY, base_url=base, extra_body={"top_k": 5})
    c = client.complete(
        "azure_ai/Phi-4", "Hi", api_key=CANARY_KEY, base_url=base, extra_body={"top_k": 5},
        extra_parameters="pass-through",
    )  # fmt: skip
    assert c.text
    req = emu.requests[-1]
    assert req.headers["extra-parameters"] == "pass-through"
    assert req.query["api-version"] == "2024-05-01-preview"
    assert req.headers["api-key"] == CANARY_KEY and req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    # Streams must not send stream_options unless asked: strict mode would refuse it.
    _stream(client, "azure_ai/Phi-4", api_key=CANARY_KEY, base_url=base)
    assert "stream_options" not in emu.requests[-1].json()


def test_azure_ai_entra_token_is_bearer_only(emu: Emulator, client: llmkit.Client) -> None:
    client.complete("azure_ai/Phi-4", "Hi", base_url=emu.base_url("azure_ai"), azure_ad_token=CANARY_KEY)
    headers = emu.requests[-1].headers
    assert headers["authorization"] == f"Bearer {CANARY_KEY}" and "api-key" not in headers


# ---------------------------------------------------------------- headers and regions


def test_friendli_team_header_and_dedicated_route(emu: Emulator, client: llmkit.Client) -> None:
    client.complete(
        "friendli/llama", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("friendli"), team="team-42"
    )
    assert emu.requests[-1].headers["x-friendli-team"] == "team-42"
    assert "team" not in emu.requests[-1].json()
    assert _url("friendli/m") == "https://api.friendli.ai/serverless/v1"
    assert _url("friendli/ep-123", region="dedicated") == "https://api.friendli.ai/dedicated/v1"


def test_volcengine_regions_thinking_and_reasoning(emu: Emulator, client: llmkit.Client) -> None:
    assert _url("volcengine/m") == "https://ark.cn-beijing.volces.com/api/v3"
    assert _url("volcengine/m", region="byteplus") == "https://ark.ap-southeast.bytepluses.com/api/v3"
    with pytest.raises(errors.ConfigurationError, match="byteplus"):
        _url("volcengine/m", region="mars")
    emu.script(Script(text="42", reasoning="Let me think."))
    events, c = _stream(
        client, "volcengine/doubao-seed-1-6", api_key=CANARY_KEY, base_url=emu.base_url("volcengine"),
        thinking="enabled",
    )  # fmt: skip
    assert emu.requests[-1].json()["thinking"] == {"type": "enabled"}
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Let me think."
    assert c.message.reasoning == "Let me think." and c.text == "42"
    client.complete(
        "volcengine/m",
        "Hi",
        api_key=CANARY_KEY,
        base_url=emu.base_url("volcengine"),
        thinking={"type": "auto"},
    )
    assert emu.requests[-1].json()["thinking"] == {"type": "auto"}


def test_openrouter_attribution_headers_and_routing(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(text="routed", reasoning="why not"))
    _, c = _stream(
        client, "openrouter/anthropic/claude-sonnet-4", api_key=CANARY_KEY,
        base_url=emu.base_url("openrouter"),
        http_referer="https://example.com", x_title="llmkit tests",
        provider={"order": ["anthropic"], "allow_fallbacks": False}, models=["openai/gpt-4o"],
        transforms=["middle-out"],
    )  # fmt: skip
    req = emu.requests[-1]
    assert req.headers["http-referer"] == "https://example.com"
    assert req.headers["x-title"] == "llmkit tests"
    sent = req.json()
    assert sent["model"] == "anthropic/claude-sonnet-4"
    assert sent["provider"] == {"order": ["anthropic"], "allow_fallbacks": False}
    assert sent["models"] == ["openai/gpt-4o"] and sent["transforms"] == ["middle-out"]
    assert c.text == "routed" and c.message.reasoning == "why not"  # delta.reasoning, after an SSE comment


def test_cloudflare_account_url_and_error_envelope(
    emu: Emulator, client: llmkit.Client, temp_spec: Callable[[ProviderSpec], None]
) -> None:
    assert _url(
        "cloudflare/@cf/meta/llama-3.1-8b-instruct", account_id="0123456789abcdef0123456789abcdef"
    ) == ("https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1")
    # The template, end to end: a copy of the spec whose host is the emulator.
    spec = get_spec("cloudflare")
    local = dataclasses.replace(
        spec,
        name="cloudflare_local",
        base_url=spec.base_url.replace("https://api.cloudflare.com", emu.url + "/cloudflare"),
    )
    temp_spec(local)
    c = client.complete(
        "cloudflare_local/@cf/meta/llama-3.1-8b-instruct",
        "Hi",
        api_key=CANARY_KEY,
        account_id="0123456789abcdef0123456789abcdef",
    )
    assert c.text
    assert (
        emu.requests[-1].full_path
        == "/cloudflare/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1/chat/completions"
    )
    with pytest.raises(errors.AuthenticationError) as info:
        client.complete(
            "cloudflare/@cf/x", "Hi", api_key="wrong-key-000000", base_url=emu.base_url("cloudflare")
        )
    assert info.value.error_code == "10000"
    assert "Incorrect API key" in info.value.message


def test_writer_chat_path(emu: Emulator, client: llmkit.Client) -> None:
    client.complete("writer/palmyra-x5", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("writer"))
    assert emu.requests[-1].path == "/v1/chat"


def test_regions_qwen_moonshot_and_friends() -> None:
    assert _url("dashscope/qwen-plus") == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    assert _url("dashscope/qwen-plus", region="cn") == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert _url("moonshot/kimi-k2") == "https://api.moonshot.ai/v1"
    assert _url("moonshot/kimi-k2", region="cn") == "https://api.moonshot.cn/v1"
    assert _url("minimax/m", region="cn") == "https://api.minimaxi.com/v1"
    assert _url("zai/glm-4.6", region="coding") == "https://api.z.ai/api/coding/paas/v4"
    assert _url("zhipu/glm-4.6") == "https://open.bigmodel.cn/api/paas/v4"
    assert _url("datarobot/m") == "https://app.datarobot.com/api/v2/genai/llmgw"
    assert _url("datarobot/m", region="deployment", deployment_id="d1") == (
        "https://app.datarobot.com/api/v2/deployments/d1"
    )
    assert _url("runpod/m", endpoint_id="ep9") == "https://api.runpod.ai/v2/ep9/openai/v1"
    assert _url("databricks/m", host="https://adb-1.azuredatabricks.net") == (
        "https://adb-1.azuredatabricks.net/serving-endpoints"
    )


def test_deepseek_reasoning_and_cache_hits(emu: Emulator, client: llmkit.Client) -> None:
    emu.script(Script(text="4", reasoning="2+2 is 4.", input_tokens=100, cached_tokens=64))
    c = client.complete(
        "deepseek/deepseek-reasoner", "2+2?", api_key=CANARY_KEY, base_url=emu.base_url("deepseek")
    )
    assert c.raw["usage"]["prompt_cache_hit_tokens"] == 64
    assert c.usage.cached_input_tokens == 64
    assert c.message.reasoning == "2+2 is 4."
    emu.script(Script(text="4", reasoning="Adding.", input_tokens=100, cached_tokens=32))
    events, s = _stream(
        client, "deepseek/deepseek-reasoner", api_key=CANARY_KEY, base_url=emu.base_url("deepseek")
    )
    assert [e.text for e in events if isinstance(e, ReasoningDelta)]
    assert s.usage.cached_input_tokens == 32


def test_modal_proxy_auth_headers(emu: Emulator, client: llmkit.Client) -> None:
    base = emu.base_url("modal_proxy")
    with pytest.raises(errors.AuthenticationError) as info:
        client.complete("modal/llm", "Hi", api_key=CANARY_KEY, base_url=base)
    assert info.value.body == "modal-http: missing credentials for proxy authorization"
    c = client.complete(
        "modal/llm",
        "Hi",
        api_key=CANARY_KEY,
        base_url=base,
        modal_key="wk-fake123",
        modal_secret="ws-fake456",
    )
    assert c.text
    headers = emu.requests[-1].headers
    assert headers["modal-key"] == "wk-fake123" and headers["modal-secret"] == "ws-fake456"
    assert _url("modal/llm", workspace="acme", label="vllm-serve") == "https://acme--vllm-serve.modal.run/v1"


def test_mistral_seed_and_closed_schema(emu: Emulator, client: llmkit.Client) -> None:
    client.complete(
        "mistral/mistral-small-latest", "Hi", api_key=CANARY_KEY, base_url=emu.base_url("mistral"), seed=7
    )
    sent = emu.requests[-1].json()
    assert sent["random_seed"] == 7 and "seed" not in sent
    with pytest.raises(errors.AuthenticationError) as info:
        client.complete("mistral/m", "Hi", api_key="wrong-key-000000", base_url=emu.base_url("mistral"))
    assert set(info.value.body) == {"detail"}


def test_lambda_notes_say_it_is_retired() -> None:
    spec = get_spec("lambda_ai")
    assert "shut down" in spec.notes and "base_url" in spec.notes


def test_keyless_local_servers_send_no_credentials(emu: Emulator, client: llmkit.Client) -> None:
    for name in ("ollama", "llamafile"):
        client.complete(f"{name}/llama3.2", "Hi", api_key="ignored-key-123", base_url=emu.base_url(name))
        assert "authorization" not in emu.requests[-1].headers


def test_azure_openai_embeddings_use_the_deployment_path(emu: Emulator, client: llmkit.Client) -> None:
    e = client.embed(
        "azure_openai/text-embedding-3-small",
        ["a", "b"],
        api_key=CANARY_KEY,
        base_url=emu.base_url("azure_openai"),
    )
    assert len(e.vectors) == 2
    req = emu.requests[-1]
    assert req.full_path.endswith("/openai/deployments/text-embedding-3-small/embeddings")
    assert req.query["api-version"] == "2024-10-21"


@pytest.mark.parametrize("name", ["fireworks_ai", "together_ai", "nebius", "ollama", "vllm"])
def test_embeddings_where_declared(name: str, emu: Emulator, client: llmkit.Client) -> None:
    assert get_spec(name).supports("embeddings")
    e = client.embed(f"{name}/emb", "hello", api_key=CANARY_KEY, base_url=emu.base_url(name))
    assert len(e.vectors) == 1 and e.provider == name
