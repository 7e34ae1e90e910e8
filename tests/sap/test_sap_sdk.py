"""SAP's own Python SDK (sap-ai-sdk-gen, its orchestration v2 client) as the third party, both ways:

* SDK -> emulator: the SDK's OrchestrationService gets its token, discovers the deployment and
  calls completion, stream and embeddings against the emulator's SAP profile;
* llmkit -> SDK: the bodies llmkit sends parse with the SDK's request models (pydantic,
  ``extra="forbid"``), and the answers llmkit reads parse with its response models.
"""

from __future__ import annotations

from typing import Any

import pytest
from gen_ai_hub.orchestration_v2.models.config import ModuleConfig, OrchestrationConfig
from gen_ai_hub.orchestration_v2.models.embeddings import (
    EmbeddingsInput,
    EmbeddingsModelConfig,
    EmbeddingsModelDetails,
    EmbeddingsModuleConfigs,
    EmbeddingsOrchestrationConfig,
    EmbeddingsPostResponse,
)
from gen_ai_hub.orchestration_v2.models.llm_model_details import LLMModelDetails
from gen_ai_hub.orchestration_v2.models.message import UserMessage
from gen_ai_hub.orchestration_v2.models.orchestration_request import CompletionPostRequest
from gen_ai_hub.orchestration_v2.models.response import CompletionPostResponse
from gen_ai_hub.orchestration_v2.models.streaming import GlobalStreamOptions
from gen_ai_hub.orchestration_v2.models.template import PromptTemplatingModuleConfig, Template
from gen_ai_hub.orchestration_v2.service import OrchestrationService
from gen_ai_hub.proxy.gen_ai_hub_proxy import GenAIHubProxyClient

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap
from llmkit.emulator.script import Script, ScriptedCall

MODEL = "sap/gpt-4o"


@pytest.fixture
def sdk(sap: Emulator, monkeypatch: pytest.MonkeyPatch) -> OrchestrationService:
    """The SDK, configured the way it reads its credentials: the AICORE_* variables."""
    monkeypatch.setenv("AICORE_CLIENT_ID", esap.CLIENT_ID)
    monkeypatch.setenv("AICORE_CLIENT_SECRET", esap.CLIENT_SECRET)
    monkeypatch.setenv("AICORE_AUTH_URL", f"{sap.url}/sap")
    monkeypatch.setenv("AICORE_BASE_URL", f"{sap.url}/sap/v2")
    monkeypatch.setenv("AICORE_RESOURCE_GROUP", "default")
    monkeypatch.setenv("AICORE_HOME", "/nonexistent-aicore-home")
    return OrchestrationService(proxy_client=GenAIHubProxyClient())


def _config(stream: bool = False) -> OrchestrationConfig:
    prompt = PromptTemplatingModuleConfig(
        prompt=Template(template=[UserMessage(content="hi")]), model=LLMModelDetails(name="gpt-4o")
    )
    return OrchestrationConfig(
        modules=ModuleConfig(prompt_templating=prompt),
        stream=GlobalStreamOptions(enabled=True) if stream else None,
    )


def test_sdk_discovers_the_deployment_and_completes(sap: Emulator, sdk: OrchestrationService) -> None:
    assert sdk.api_url.endswith(f"/v2/inference/deployments/{esap.DEPLOYMENT_ID}")
    sap.script(Script(text="Hello SDK"))
    out = sdk.run(config=_config())
    assert out.final_result.choices[0].message.content == "Hello SDK"
    assert out.final_result.usage.total_tokens > 0
    (lookup,) = [r for r in sap.requests if r.path == "/v2/lm/deployments"]
    assert lookup.query["scenarioId"] == "orchestration"


def test_sdk_streams(sap: Emulator, sdk: OrchestrationService) -> None:
    sap.script(Script(text="one two three"))
    events = list(sdk.stream(config=_config(stream=True)))
    text = "".join(
        e.final_result.choices[0].delta.content for e in events if e.final_result and e.final_result.choices
    )
    assert text == "one two three"
    assert events[-1].final_result.choices[0].finish_reason == "stop"


def test_sdk_embeds(sap: Emulator, sdk: OrchestrationService) -> None:
    model = EmbeddingsModelConfig(model=EmbeddingsModelDetails(name="text-embedding-3-small"))
    config = EmbeddingsOrchestrationConfig(modules=EmbeddingsModuleConfigs(embeddings=model))
    out = sdk.embed(config=config, input=EmbeddingsInput(text=["a", "b"]))
    assert len(out.final_result.data) == 2


def _sent(emu: Emulator, suffix: str) -> Any:
    return [r for r in emu.requests if r.path.endswith(suffix)][-1].json()


TOOL = {
    "type": "function",
    "function": {
        "name": "f",
        "description": "d",
        "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}},
    },
}


@pytest.mark.parametrize(
    "kw",
    [
        {"temperature": 0.3, "max_tokens": 10},
        {"tools": [TOOL], "tool_choice": "auto"},
        {"response_format": {"type": "json_object"}},
        {
            "filtering": {"input": {"filters": [{"type": "azure_content_safety", "config": {"hate": 2}}]}},
            "masking": {
                "providers": [
                    {
                        "type": "sap_data_privacy_integration",
                        "method": "anonymization",
                        "entities": [{"type": "profile-email"}],
                    }
                ]
            },
            "placeholder_values": {"a": "b"},
        },
    ],
    ids=["params", "tools", "json", "modules"],
)
def test_llmkit_requests_and_answers_parse_with_the_sdk_models(sap: Emulator, kw: dict[str, Any]) -> None:
    out = llmkit.complete(
        MODEL, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], **kw
    )
    request = CompletionPostRequest.model_validate(_sent(sap, "/completion"))
    assert request.config is not None
    assert request.config.modules.prompt_templating.model.name == "gpt-4o"
    parsed = CompletionPostResponse.model_validate(out.raw)
    assert parsed.final_result.choices[0].message.content == out.text or out.tool_calls


def test_a_tool_round_trip_and_a_stream_parse_with_the_sdk_models(sap: Emulator) -> None:
    sap.script(Script(tool_calls=[ScriptedCall("f", {"x": 1}, id="call_1")]))
    first = llmkit.complete(MODEL, "go", tools=[TOOL])
    messages: list[Any] = ["go", first.message, {"role": "tool", "tool_call_id": "call_1", "content": "1"}]
    messages[0] = {"role": "user", "content": "go"}
    list(llmkit.stream(MODEL, messages, tools=[TOOL]))
    request = CompletionPostRequest.model_validate(_sent(sap, "/completion"))
    assert request.config is not None and request.config.stream is not None and request.config.stream.enabled


def test_llmkit_embeddings_parse_with_the_sdk_models(sap: Emulator) -> None:
    out = llmkit.embed("sap/text-embedding-3-small", ["x", "y"], dimensions=4)
    body = _sent(sap, "/embeddings")
    EmbeddingsOrchestrationConfig.model_validate(body["config"])
    EmbeddingsInput.model_validate(body["input"])
    assert len(EmbeddingsPostResponse.model_validate(out.raw).final_result.data) == 2
