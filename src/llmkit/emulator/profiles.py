"""Provider profiles the emulator serves: the handler for the wire format, plus the provider's
own auth scheme and error shape. Written from each provider's documentation, not from llmkit's specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    handler: str  # "module:function"
    base_path: str = "/v1"
    # Where the key is read from: ("authorization", "Bearer ") or ("api-key", "") ...
    auth_headers: tuple[tuple[str, str], ...] = (("authorization", "Bearer "),)
    # Status for a rejected key (xAI answers 400, most 401).
    bad_key_status: int = 401
    # How error bodies look: "openai" ({"error": {...}}), or a name the handler knows.
    error_shape: str = "openai"
    # Headers a request must carry (name -> required value, or "" for any non-empty value).
    required_headers: dict[str, str] = field(default_factory=dict)
    # Query parameters a request must carry.
    required_query: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # Credentials checked by the handler itself rather than through auth_headers: "aws_sigv4",
    # "aws_sigv4_or_bedrock_key", "google_token", "none" (``llmkit emulator serve`` prints them).
    credentials: str = ""


_OPENAI = "llmkit.emulator.openai:handle"

PROFILES: dict[str, Profile] = {
    "openai": Profile("openai", _OPENAI),
    # The Anthropic handler checks x-api-key / Bearer and anthropic-version itself.
    "anthropic": Profile(
        "anthropic",
        "llmkit.emulator.anthropic:handle",
        base_path="",
        auth_headers=(("x-api-key", ""), ("authorization", "Bearer ")),
        error_shape="anthropic",
        required_headers={"anthropic-version": ""},
    ),
}


def add_profile(profile: Profile) -> None:
    PROFILES[profile.name] = profile


def _add_fleet() -> None:
    from llmkit.emulator.fleet_profiles import FLEET

    for profile in FLEET:
        add_profile(profile)


_add_fleet()

# Providers that speak Anthropic Messages at their own base path, with a Bearer key (the handler
# also takes x-api-key, as Anthropic does): MiniMax's https://api.minimax.io/anthropic and Z.ai's
# https://api.z.ai/api/anthropic, each followed by /v1/messages.
for _name, _path in (("minimax_anthropic", "/anthropic"), ("zai_anthropic", "/api/anthropic")):
    add_profile(
        Profile(
            _name,
            "llmkit.emulator.anthropic:handle",
            base_path=_path,
            auth_headers=(("authorization", "Bearer "), ("x-api-key", "")),
            error_shape="anthropic",
            required_headers={"anthropic-version": ""},
        )
    )

# AWS: the handlers verify SigV4 themselves (the auth_headers here are not used).
_AWS = "aws"
PROFILES.update(
    {
        "bedrock": Profile(
            "bedrock",
            "llmkit.emulator.bedrock:handle",
            "",
            (),
            403,
            _AWS,
            credentials="aws_sigv4_or_bedrock_key",
        ),
        "sagemaker": Profile(
            "sagemaker", "llmkit.emulator.sagemaker:handle", "", (), 403, _AWS, credentials="aws_sigv4"
        ),
    }
)


def _add_google() -> None:
    # Imported here, not at the top: those modules import this one for Profile.
    from llmkit.emulator import gemini, google_oauth

    for profile in (gemini.AI_STUDIO, gemini.VERTEX, gemini.VERTEX_MAAS, *gemini.VERTEX_PARTNERS):
        add_profile(profile)
    add_profile(google_oauth.PROFILE)


_add_google()


def _add_snowflake() -> None:
    # Imported here: that module imports this one for Profile.
    from llmkit.emulator import snowflake

    add_profile(snowflake.PROFILE)


_add_snowflake()


# Oracle OCI Generative AI: the handler verifies the OCI request signature against the keys the
# emulator made (``llmkit.emulator.oci.new_api_key``); the auth_headers here are not used.
add_profile(
    Profile(
        "oci",
        "llmkit.emulator.oci:handle",
        base_path="",
        auth_headers=(),
        error_shape="oci",
        credentials="oci_signature",
    )
)


def _add_gigachat() -> None:
    # GigaChat: its OAuth endpoint (/api/v2/oauth) and API (/api/v1) under one profile.
    from llmkit.emulator import gigachat

    add_profile(gigachat.PROFILE)


_add_gigachat()


def _add_sap() -> None:
    # SAP AI Core: XSUAA token endpoint, deployments and orchestration on one profile.
    from llmkit.emulator import sap

    add_profile(sap.PROFILE)


_add_sap()


def _add_watsonx() -> None:
    # IBM watsonx.ai and the IBM Cloud IAM token endpoint its API keys are traded at.
    from llmkit.emulator import watsonx, watsonx_iam

    add_profile(watsonx.PROFILE)
    add_profile(watsonx_iam.PROFILE)


_add_watsonx()


def _add_replicate() -> None:
    from llmkit.emulator import replicate

    add_profile(replicate.PROFILE)


_add_replicate()


def _add_stability() -> None:
    from llmkit.emulator import stability

    add_profile(stability.PROFILE)


_add_stability()


def _add_ollama_native() -> None:
    # Ollama's native API (/api/chat, /api/generate, /api/embed); the "ollama" profile is its /v1 route.
    from llmkit.emulator import ollama

    add_profile(ollama.PROFILE)


_add_ollama_native()


def _add_cohere() -> None:
    # Cohere's v2 API (chat, embed, rerank).
    from llmkit.emulator import cohere

    add_profile(cohere.PROFILE)


_add_cohere()


def _add_vectors() -> None:
    # Voyage AI, Jina AI, Hugging Face TEI (self-hosted) and the hosted feature-extraction route.
    from llmkit.emulator import jina, tei, voyage

    for profile in (voyage.PROFILE, jina.PROFILE, tei.PROFILE, tei.HOSTED):
        add_profile(profile)


_add_vectors()


def _add_compat_a() -> None:
    # OpenAI-compatible vendors and local servers (issue 14, providers/compatible_vendors.py and
    # compatible_local_more.py), each as its documentation describes it.
    from llmkit.emulator.compat_a_profiles import FLEET as COMPAT_A

    for profile in COMPAT_A:
        add_profile(profile)


_add_compat_a()


def _add_ranking() -> None:
    # The clouds' rerank endpoints: Bedrock Rerank, Vertex AI ranking, NVIDIA NIM (cloud13).
    from llmkit.emulator import ranking

    for profile in ranking.PROFILES:
        add_profile(profile)


_add_ranking()


def _add_natives() -> None:
    # Issue 14's native generate formats: TGI (generate and Messages API), LoRAX, Predibase, Triton.
    from llmkit.emulator import generate, triton

    for profile in (generate.TGI, generate.LORAX, generate.PREDIBASE, triton.PROFILE):
        add_profile(profile)


_add_natives()


def _add_regional() -> None:
    # Yandex Foundation Models' native API; GitHub's device flow and token exchange, Copilot chat.
    from llmkit.emulator import copilot, yandex

    for profile in (yandex.PROFILE, copilot.GITHUB, copilot.CHAT):
        add_profile(profile)


_add_regional()


def _add_natives2() -> None:
    # NLP Cloud's chatbot and generation endpoints (issue 14, natives2).
    from llmkit.emulator import nlp_cloud

    add_profile(nlp_cloud.PROFILE)


_add_natives2()


def _add_petals() -> None:
    # chat.petals.dev's HTTP API (issue 14, natives3).
    from llmkit.emulator import petals

    add_profile(petals.PROFILE)


_add_petals()
