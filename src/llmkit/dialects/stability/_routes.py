"""Stability AI's v2beta Stable Image routes, as data: which path each model name takes and
which ``generate_image`` parameters it has. A model name is looked up here (never pasted into a
path); SD3 variants (``sd3.5-large``, ...) go to ``/generate/sd3`` with the name as ``model``.
Facts from Stability's API reference (https://platform.stability.ai/docs/api-reference)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmkit.errors import ConfigurationError

_COMMON = frozenset({"negative_prompt", "seed", "output_format"})


@dataclass(frozen=True, slots=True)
class Route:
    path: str
    parameters: frozenset[str]
    # Form fields this route also takes as provider options (``search_prompt=``, ``left=``, ...).
    options: frozenset[str] = frozenset()
    needs_prompt: bool = True
    needs_image: bool = False
    # The answer is ``{"id"}``: the result is polled at ``/v2beta/results/{id}``.
    is_async: bool = False


ROUTES: dict[str, Route] = {
    "ultra": Route("/v2beta/stable-image/generate/ultra", _COMMON | {"aspect_ratio", "image", "strength"}),
    "core": Route("/v2beta/stable-image/generate/core", _COMMON | {"aspect_ratio", "style"}),
    "sd3": Route(
        "/v2beta/stable-image/generate/sd3",
        _COMMON | {"aspect_ratio", "image", "strength"},
        frozenset({"cfg_scale"}),
    ),
    "erase": Route(
        "/v2beta/stable-image/edit/erase",
        frozenset({"seed", "output_format", "image", "mask"}),
        frozenset({"grow_mask"}),
        needs_prompt=False,
        needs_image=True,
    ),
    "inpaint": Route(
        "/v2beta/stable-image/edit/inpaint",
        _COMMON | {"image", "mask", "style"},
        frozenset({"grow_mask"}),
        needs_image=True,
    ),
    "outpaint": Route(
        "/v2beta/stable-image/edit/outpaint",
        frozenset({"seed", "output_format", "image", "style"}),
        frozenset({"left", "right", "up", "down", "creativity"}),
        needs_prompt=False,
        needs_image=True,
    ),
    "search-and-replace": Route(
        "/v2beta/stable-image/edit/search-and-replace",
        _COMMON | {"image", "style"},
        frozenset({"search_prompt", "grow_mask"}),
        needs_image=True,
    ),
    "upscale-fast": Route(
        "/v2beta/stable-image/upscale/fast",
        frozenset({"output_format", "image"}),
        needs_prompt=False,
        needs_image=True,
    ),
    "upscale-conservative": Route(
        "/v2beta/stable-image/upscale/conservative",
        _COMMON | {"image"},
        frozenset({"creativity"}),
        needs_image=True,
    ),
    "upscale-creative": Route(
        "/v2beta/stable-image/upscale/creative",
        _COMMON | {"image", "style"},
        frozenset({"creativity"}),
        needs_image=True,
        is_async=True,
    ),
}
_SD3 = re.compile(r"sd3(?:\.5)?(?:-[a-z0-9]+)*")
FORM_OPTIONS = frozenset().union(*(r.options for r in ROUTES.values()))


def route(model: str, provider: str) -> tuple[Route, str | None]:
    """The route for ``model`` and the ``model`` form field it sends (SD3 variants), or a
    ConfigurationError naming the models there are."""
    found = ROUTES.get(model)
    if found is not None:
        return found, None
    if _SD3.fullmatch(model):
        return ROUTES["sd3"], model
    raise ConfigurationError(
        f"{provider}: unknown Stability model {model!r}; models: {', '.join(ROUTES)}, or an SD3 model "
        "such as sd3.5-large, sd3.5-large-turbo, sd3.5-medium"
    )
