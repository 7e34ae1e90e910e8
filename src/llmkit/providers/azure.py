"""Azure OpenAI and Azure AI Inference (Foundry model endpoints): OpenAI Chat Completions with Azure's
URLs, ``api-version`` query, ``api-key`` header and Microsoft Entra ID tokens (``llmkit.auth.azure``)."""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.cohere import EMBEDDING as COHERE_EMBEDDING
from llmkit.providers.spec import EmbeddingSpec, Param, ProviderSpec

_CAPS = frozenset(
    {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings", "reasoning"}
)

# Azure OpenAI embeddings: an input array of at most 2048 texts, encoding_format float or base64
# (https://learn.microsoft.com/azure/ai-foundry/openai/reference#embeddings).
AZURE_OPENAI_EMBEDDING = EmbeddingSpec(max_inputs=2048, encodings={"base64": "base64"})
# Azure AI model inference embeddings: input_type text/query/document, encoding_format float,
# base64, int8, uint8, binary, ubinary
# (https://learn.microsoft.com/rest/api/aifoundry/modelinference/embeddings/create); the Cohere
# embed models it serves take 96 texts per request (Cohere's documented cap).
_AZURE_AI_TYPES = {"query": "query", "document": "document"}
_AZURE_AI_ENCODINGS = {e: e for e in ("base64", "int8", "uint8", "binary", "ubinary")}
AZURE_AI_EMBEDDING = EmbeddingSpec(
    input_types=_AZURE_AI_TYPES,
    encodings=_AZURE_AI_ENCODINGS,
    by_model=(
        (
            "Cohere-embed*",
            EmbeddingSpec(max_inputs=96, input_types=_AZURE_AI_TYPES, encodings=_AZURE_AI_ENCODINGS),
        ),
    ),
)

SPECS = (
    ProviderSpec(
        name="azure_openai",
        display_name="Azure OpenAI",
        dialect="openai_chat",
        base_url="{endpoint}/openai",
        env_keys=("AZURE_OPENAI_API_KEY",),
        auth="custom",
        auth_factory="llmkit.auth.azure:openai_auth",
        params={
            "endpoint": Param(
                ("AZURE_OPENAI_ENDPOINT",),
                doc="https://<resource>.openai.azure.com",
                required=False,
                kind="origin",
            ),
            "api_version": Param(
                ("AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"), "2024-10-21", kind="token"
            ),
        },
        query={"api-version": "{api_version}"},
        capabilities=_CAPS | {"images"},
        quirks=OpenAIQuirks(
            # The model part of "azure_openai/<name>" is the deployment name.
            chat_path="/deployments/{model}/chat/completions",
            embeddings_path="/deployments/{model}/embeddings",
            max_tokens_field="max_completion_tokens",
            images_path="/deployments/{model}/images/generations",
            image_edits_path="/deployments/{model}/images/edits",
            # Azure OpenAI documents no variations route.
            image_variations_path=None,
            # Its image generation refusals say "contentFilter" (the chat ones "content_filter").
            content_filter_codes=frozenset({"content_filter", "content_policy_violation", "contentFilter"}),
        ),
        docs_url="https://learn.microsoft.com/azure/ai-foundry/openai/reference",
        embedding=AZURE_OPENAI_EMBEDDING,
        notes=(
            "Model = deployment name; endpoint= (or AZURE_OPENAI_ENDPOINT) is "
            "https://<resource>.openai.azure.com; api_version= picks the API version. Auth: api-key, "
            "or Entra ID with azure_ad_token_provider= "
            "(any callable returning a token), azure_credential=, or entra_id=True (llmkit[azure]). Streams "
            "open with an empty prompt-filter chunk; content-filter refusals raise ContentFilteredError."
        ),
    ),
    ProviderSpec(
        name="azure_ai",
        display_name="Azure AI Inference (Foundry models)",
        dialect="openai_chat",
        base_url="{endpoint}",
        env_keys=("AZURE_INFERENCE_CREDENTIAL", "AZURE_AI_API_KEY"),
        auth="custom",
        auth_factory="llmkit.auth.azure:inference_auth",
        params={
            "endpoint": Param(
                ("AZURE_INFERENCE_ENDPOINT", "AZURE_AI_ENDPOINT"),
                doc="https://<resource>.services.ai.azure.com/models or a serverless endpoint URL",
                required=False,
                kind="url_root",
            ),
            "api_version": Param(("AZURE_AI_API_VERSION",), "2024-05-01-preview", kind="token"),
        },
        query={"api-version": "{api_version}"},
        header_options={"extra_parameters": "extra-parameters"},
        capabilities=_CAPS,
        quirks=OpenAIQuirks(
            # Without "extra-parameters: pass-through" the service rejects fields outside its schema,
            # stream_options among them.
            stream_usage=False,
        ),
        docs_url="https://learn.microsoft.com/rest/api/aifoundry/modelinference/",
        embedding=AZURE_AI_EMBEDDING,
        notes=(
            "endpoint= (or AZURE_INFERENCE_ENDPOINT); api_version= (default 2024-05-01-preview). "
            "extra_parameters='pass-through'|'drop'|'error' sets the extra-parameters header for fields the "
            "model takes beyond the common schema. A key is sent as api-key and as a bearer token; Entra ID "
            "works as for azure_openai."
        ),
    ),
    # Cohere's models deployed on Azure AI Foundry (serverless API endpoints) speak Cohere's own v2
    # API at the endpoint's root: /v2/chat, /v2/embed, /v2/rerank, with the key as a bearer token
    # (https://learn.microsoft.com/azure/ai-foundry/how-to/deploy-models-cohere-command,
    # .../deploy-models-cohere-embed, .../deploy-models-cohere-rerank); the cohere SDK's ClientV2
    # takes the endpoint as its base_url.
    ProviderSpec(
        name="azure_ai_cohere",
        display_name="Cohere on Azure AI Foundry",
        dialect="cohere",
        base_url="{endpoint}",
        env_keys=("AZURE_AI_COHERE_API_KEY", "AZURE_AI_API_KEY"),
        params={
            "endpoint": Param(
                ("AZURE_AI_COHERE_ENDPOINT",),
                doc="the deployment's endpoint, https://<deployment>.<region>.models.ai.azure.com",
                required=False,
                kind="url_root",
            ),
        },
        header_options={"client_name": "x-client-name"},
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings", "rerank"}
        ),
        embedding=COHERE_EMBEDDING,
        docs_url="https://learn.microsoft.com/azure/ai-foundry/how-to/deploy-models-cohere-rerank",
        notes=(
            "A Cohere model's serverless endpoint on Azure AI Foundry (Command A/R+, Embed v3/v4, "
            "Rerank 3.5): endpoint= (or AZURE_AI_COHERE_ENDPOINT) is the deployment's URL; the model "
            "part names the model (azure_ai_cohere/rerank-v3.5). Cohere's v2 API as for cohere/; the "
            "key (AZURE_AI_COHERE_API_KEY) is sent as a bearer token."
        ),
    ),
)
