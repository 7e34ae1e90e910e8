"""The clouds' rerank-only endpoints (issue 13): Bedrock's Rerank API, Vertex AI ranking
(Discovery Engine) and NVIDIA NeMo Retriever reranking, hosted and self-hosted.

``bedrock/cohere.rerank-*`` and ``bedrock/amazon.rerank-*`` route here (``bedrock``'s
``model_routes``), and so does ``vertex_ai/semantic-ranker-*``: a caller names the cloud it uses
and the reranker, as for its chat models. Facts: botocore's ``bedrock-agent-runtime`` 2023-07-26
service model; Google's Discovery Engine REST reference; NVIDIA's NIM documentation."""

from __future__ import annotations

from llmkit.dialects.ranking.nim import NimRankingQuirks
from llmkit.providers.spec import Param, ProviderSpec

_RERANK = frozenset({"rerank"})
_REGION = Param(("AWS_REGION", "AWS_DEFAULT_REGION"), doc="the AWS region, e.g. us-east-1", kind="region")
_GCP = {
    "project": Param(
        env=("GOOGLE_CLOUD_PROJECT",), doc="the Google Cloud project id or number", kind="gcp_project"
    ),
    # The ranking API is served from global (and the us / eu multi-regions' hosts are not used).
    "location": Param(
        env=("GOOGLE_CLOUD_LOCATION",),
        default="global",
        doc="the Discovery Engine location: global (the ranking API's)",
        kind="region",
        aliases=("region",),
    ),
}

SPECS = (
    ProviderSpec(
        name="bedrock_rerank",
        display_name="Amazon Bedrock Rerank",
        dialect="bedrock_rerank",
        base_url="https://bedrock-agent-runtime.{region}.amazonaws.com",
        # SigV4 (signing name bedrock, as the agent runtime's service model says); the Bedrock
        # API key is documented for bedrock-runtime, so AWS_BEARER_TOKEN_BEDROCK is not read here.
        env_keys=(),
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.aws:bedrock_auth",
        params={"region": _REGION},
        capabilities=_RERANK,
        docs_url="https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_Rerank.html",
        notes=(
            "Cohere Rerank 3.5 (cohere.rerank-v3-5:0) and Amazon Rerank 1.0 (amazon.rerank-v1:0) through "
            "the bedrock-agent-runtime Rerank API; bedrock/<reranker> routes here. The model is named by "
            "ARN: a model id becomes arn:aws:bedrock:<region>::foundation-model/<id>; pass a full ARN "
            "for another account's or a provisioned model. Up to 1,000 documents; dicts go as JSON "
            "documents. additional_model_request_fields= passes model fields (Cohere's "
            "max_tokens_per_doc). Credentials as for bedrock (SigV4)."
        ),
    ),
    ProviderSpec(
        name="vertex_ai_ranking",
        display_name="Vertex AI ranking (Discovery Engine)",
        dialect="vertex_ranking",
        base_url="https://discoveryengine.googleapis.com/v1/projects/{project}/locations/{location}",
        params=_GCP,
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=_RERANK,
        docs_url=(
            "https://cloud.google.com/generative-ai-app-builder/docs/reference/rest/v1/"
            "projects.locations.rankingConfigs/rank"
        ),
        notes=(
            "Models semantic-ranker-default@latest, semantic-ranker-fast-004, semantic-ranker-512-003 "
            "...; vertex_ai/semantic-ranker-* routes here. project= or GOOGLE_CLOUD_PROJECT; location "
            "global. Up to 200 documents; a dict's title and content (or text) fill the record. "
            "Google credentials as for vertex_ai (the Discovery Engine API enabled on the project)."
        ),
    ),
    ProviderSpec(
        name="nvidia_nim_rerank",
        display_name="NVIDIA NIM reranking (API catalog)",
        dialect="nim_ranking",
        base_url="https://ai.api.nvidia.com/v1",
        env_keys=("NVIDIA_API_KEY", "NVIDIA_NIM_API_KEY"),
        capabilities=_RERANK,
        quirks=NimRankingQuirks(hosted=True),
        docs_url="https://docs.api.nvidia.com/nim/reference/nvidia-llama-3_2-nv-rerankqa-1b-v2-infer",
        notes=(
            "Hosted rerankers: nvidia_nim_rerank/nvidia/llama-3.2-nv-rerankqa-1b-v2 is sent to "
            "/v1/retrieval/nvidia/llama-3_2-nv-rerankqa-1b-v2/reranking. Scores are logits; "
            "truncate='END' cuts long passages (else the API refuses them)."
        ),
    ),
    ProviderSpec(
        name="nim_rerank",
        display_name="NVIDIA NIM reranking (self-hosted)",
        dialect="nim_ranking",
        base_url="",
        env_keys=("NIM_API_KEY", "NGC_API_KEY"),
        key_required=False,
        capabilities=_RERANK,
        quirks=NimRankingQuirks(hosted=False),
        docs_url="https://docs.nvidia.com/nim/nemo-retriever/text-reranking/latest/using-reranking.html",
        notes=(
            "A Reranking NIM container: base_url='http://<host>:8000/v1' (or NIM_RERANK_BASE_URL); "
            "POST /v1/ranking. Scores are logits."
        ),
    ),
)
