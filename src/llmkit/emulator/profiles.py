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
}


def add_profile(profile: Profile) -> None:
    PROFILES[profile.name] = profile
