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
    ),
}


def add_profile(profile: Profile) -> None:
    PROFILES[profile.name] = profile


def _add_fleet() -> None:
    from llmkit.emulator.fleet_profiles import FLEET

    for profile in FLEET:
        add_profile(profile)


_add_fleet()

# AWS: the handlers verify SigV4 themselves (the auth_headers here are not used).
PROFILES.update({"bedrock": Profile("bedrock", "llmkit.emulator.bedrock:handle", "", (), 403, "aws")})
PROFILES.update({"sagemaker": Profile("sagemaker", "llmkit.emulator.sagemaker:handle", "", (), 403, "aws")})


def _add_google() -> None:
    # Imported here, not at the top: those modules import this one for Profile.
    from llmkit.emulator import gemini, google_oauth

    for profile in (gemini.AI_STUDIO, gemini.VERTEX, gemini.VERTEX_MAAS, google_oauth.PROFILE):
        add_profile(profile)


_add_google()
