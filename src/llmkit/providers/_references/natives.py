"""Rows merged after the references pass of session 5, each with the reference its slice built:
the native generate formats (TGI, LoRAX, Triton), Yandex, Copilot's device flow, the rerank
endpoints, NLP Cloud and Petals."""

from __future__ import annotations

from llmkit.providers._references.reference import _REFS_G, Reference, _fx, _none, _sdk

ROWS: dict[str, tuple[Reference, ...]] = {
    "tgi": (
        Reference(
            "spec",
            "huggingface/text-generation-inference@db931fcf:docs/openapi.json",
            fixtures=("natives/tgi_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("huggingface_hub (PyPI)", "tests/natives/test_references.py"),
    ),
    "tgi_generate": (
        Reference(
            "spec",
            "huggingface/text-generation-inference@db931fcf:docs/openapi.json",
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("huggingface_hub (PyPI)", "tests/natives/test_references.py"),
    ),
    "lorax": (
        Reference(
            "spec",
            "predibase/lorax@a7394ba3:docs/reference/openapi.json",
            fixtures=("natives/lorax_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk(
            "lorax-client (PyPI; skipped when not installed: it pins huggingface-hub<1)",
            "tests/natives/test_references.py",
        ),
    ),
    "predibase": (
        Reference(
            "spec",
            "predibase/lorax@a7394ba3:docs/reference/openapi.json (Predibase serves LoRAX)",
            fixtures=("natives/lorax_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("lorax-client (PyPI; Predibase serves LoRAX)", "tests/natives/test_references.py"),
    ),
    "triton": (
        Reference(
            "docs_sample",
            "triton-inference-server/server@0bd93bc8:docs/protocol/extension_generate.md",
            fixtures=("natives/triton_generate.json",),
            tests=("tests/natives/test_references.py",),
        ),
    ),
    "yandex": (
        Reference(
            "recorded",
            "yandex-cloud/yandex-cloud-ml-sdk@22d66d8:tests/models/cassettes/test_completions",
            fixtures=_fx(
                "regional",
                "yandex_test_function_call.json",
                "yandex_test_run.json",
                "yandex_test_run_stream.json",
            ),
            tests=("tests/regional/test_yandex_reference.py",),
        ),
        _sdk("yandexcloud (PyPI)", "tests/regional/test_yandex_reference.py"),
    ),
    # The auth half only: GitHub's docs print the device flow's bodies; the Copilot token exchange
    # (/copilot_internal/v2/token) is undocumented, and chat is OpenAI's format.
    "github_copilot": (
        Reference(
            "docs_sample",
            "github/docs@029b09ac:content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md "
            "(device flow: device code and access token bodies)",
            fixtures=_fx("github_copilot", "device_code_response.json", "access_token_response.json"),
            tests=(_REFS_G,),
        ),
    ),
    "naver_clova": _none(
        "Naver's OpenAI-compatible route docs (request sections only) and langchain-naver; no "
        "response sample reachable in the stores (2026-12-02)"
    ),
    "bedrock_cohere": (
        Reference(
            "docs_sample",
            "AWS Bedrock user guide, Cohere Command R parameters (shape with example values)",
            fixtures=("cloud13/bedrock_cohere_chat_request.json",),
            tests=("tests/cloud13/test_bedrock_cohere.py",),
        ),
    ),
    "bedrock_rerank": (
        _sdk("botocore bedrock-agent-runtime model (PyPI)", "tests/cloud13/test_bedrock_rerank.py"),
    ),
    "vertex_ai_ranking": (
        _sdk(
            "google-cloud-discoveryengine RankRequest/RankResponse (PyPI)",
            "tests/cloud13/test_vertex_ranking.py",
        ),
    ),
    "azure_ai_cohere": (_sdk("cohere ClientV2 (PyPI)", "tests/cloud13/test_azure_cohere.py"),),
    "nvidia_nim_rerank": (
        Reference(
            "docs_sample",
            "NVIDIA NIM reranking API docs (request verbatim; response logits illustrative)",
            fixtures=_fx("cloud13", "nim_ranking_request.json", "nim_ranking_response.json"),
            tests=("tests/cloud13/test_nim_rerank.py",),
        ),
    ),
    "nim_rerank": (
        Reference(
            "docs_sample",
            "NVIDIA NIM reranking API docs (request verbatim; response logits illustrative)",
            tests=("tests/cloud13/test_nim_rerank.py",),
        ),
    ),
    "nlp_cloud": (_sdk("nlpcloud (PyPI)", "tests/natives2/test_references.py"),),
    "petals": (
        Reference(
            "docs_sample",
            "petals-infra/chat.petals.dev@9e2faf06:README.md (the HTTP API's curl sample: its "
            "request and answer); the emulator from http_api.py there",
            fixtures=_fx("petals", "generate_ok.json", "generate_request.form"),
            tests=("tests/natives3/test_petals_references.py",),
        ),
    ),
}
