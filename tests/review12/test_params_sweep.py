"""Review of issue 12, parameters: for each images provider keyed by an API key (and the models
naming each family), every image parameter outside the model's set is a ConfigurationError
naming the ones it takes, and nothing reaches the emulator. (Bedrock and Vertex AI, which need
cloud credentials, are swept by tests/imagegen's loopback tests.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.dialects.base import IMAGE_PARAMETERS
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError
from llmkit.providers import all_specs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
VALUES: dict[str, Any] = {
    "n": 2,
    "size": "1024x1024",
    "aspect_ratio": "1:1",
    "negative_prompt": "rain",
    "seed": 3,
    "output_format": "png",
    "quality": "high",
    "style": "vivid",
    "image": PNG,
    "mask": PNG,
    "strength": 0.5,
}

MODELS = [
    ("openai", "gpt-image-1"),
    ("openai", "dall-e-3"),
    ("openai", "dall-e-2"),
    ("xai", "grok-2-image"),
    ("deepinfra", "black-forest-labs/FLUX-2-dev"),
    ("together_ai", "black-forest-labs/FLUX.1-schnell"),
    ("nebius", "black-forest-labs/flux-schnell"),
    ("gemini", "gemini-2.5-flash-image"),
    ("gemini", "imagen-4.0-generate-001"),
    ("replicate", "black-forest-labs/flux-schnell"),
    ("replicate", "stability-ai/sdxl"),
    ("stability", "ultra"),
    ("stability", "core"),
    ("stability", "sd3.5-large"),
]


def test_the_sweep_covers_every_key_based_images_provider() -> None:
    images = {s.name for s in all_specs() if s.supports("images")}
    assert images - {p for p, _ in MODELS} == {"azure_openai", "bedrock", "vertex_ai"}


def _supported(message: str) -> set[str]:
    tail = message.rsplit("its image parameters: ", 1)[1]
    return set() if tail == "none of them" else set(tail.split(", "))


@pytest.mark.parametrize(("provider", "model"), MODELS)
def test_every_unsupported_parameter_is_refused_before_network(
    emu: Emulator, provider: str, model: str, tmp_path: Path
) -> None:
    kw = {"api_key": CANARY_KEY, "base_url": emu.base_url(provider)}
    # A parameter no model takes reveals the model's set in the message.
    with pytest.raises(ConfigurationError, match="does not take") as info:
        llmkit.generate_image(f"{provider}/{model}", "x", **VALUES, **kw)
    supported = _supported(str(info.value))
    assert supported < set(IMAGE_PARAMETERS)
    for name in sorted(set(IMAGE_PARAMETERS) - supported):
        one = {name: VALUES[name]}
        if name == "mask":
            one["image"] = PNG  # mask needs image (a separate check)
        with pytest.raises(ConfigurationError, match=rf"does not take [a-z_, ]*\b{name}\b") as err:
            llmkit.generate_image(f"{provider}/{model}", "x", **one, **kw)
        assert _supported(str(err.value)) == supported
    assert emu.requests == []
