from __future__ import annotations

from collections.abc import Callable

import pytest

from llmkit.dialects.base import CallContext
from llmkit.providers.google import SPECS

GEMINI, VERTEX_AI = (next(s for s in SPECS if s.name == n) for n in ("gemini", "vertex_ai"))

CtxFactory = Callable[..., CallContext]


@pytest.fixture
def ai_ctx() -> CallContext:
    return CallContext(GEMINI, "gemini-2.5-flash", "https://generativelanguage.googleapis.com/v1beta")


@pytest.fixture
def vertex_ctx() -> CtxFactory:
    def make(
        location: str = "us-central1", project: str = "my-proj", model: str = "gemini-2.5-pro"
    ) -> CallContext:
        params = {"project": project, "location": location}
        base = VERTEX_AI.base_url.format_map(params)
        return CallContext(VERTEX_AI, model, base, params=params)

    return make
