"""The cost of an image generation: by image tokens where the model bills them, else per image."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.images import GeneratedImage, Images
from llmkit.types import Usage

M = Decimal(1_000_000)


def test_gpt_image_1_is_billed_by_image_tokens(emu: Emulator) -> None:
    out = llmkit.generate_image("openai/gpt-image-1", "a lighthouse", api_key=CANARY_KEY,
                                base_url=emu.base_url("openai"))  # fmt: skip
    u = out.usage
    assert u.output_tokens, u
    cost = out.cost
    assert cost is not None, out.cost_reason
    # OpenAI's page: gpt-image-1 text input $5/M, image output $40/M.
    assert cost.total == (u.input_tokens * Decimal(5) + u.output_tokens * Decimal(40)) / M
    assert cost.images == u.output_tokens * Decimal(40) / M and cost.output == 0


def test_per_image_models_and_unknown_ones() -> None:
    img = GeneratedImage(data=b"x", mime_type="image/png")
    out = Images([img, img], "amazon.nova-canvas-v1:0", "bedrock")
    assert out.cost is not None and out.cost.total == 2 * Decimal("0.06")  # Bedrock's page: $0.06 each
    unknown = Images([img], "no-such-model", "openai")
    assert unknown.cost is None and unknown.cost_reason and "does not list" in unknown.cost_reason
    none = llmkit.catalog.image_cost("openai/gpt-4o", Usage(), 1)
    assert not none and "no image price" in none.reason  # type: ignore[union-attr]
