"""Typed Gemini options: safety settings, thinking, and the per-surface quirks of a spec."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, get_args

from llmkit.dialects.base import Quirks
from llmkit.errors import ConfigurationError

HarmCategory = Literal[
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
    "HARM_CATEGORY_IMAGE_HATE",
    "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
    "HARM_CATEGORY_IMAGE_HARASSMENT",
    "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_JAILBREAK",
]
HarmBlockThreshold = Literal[
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
]
ThinkingLevel = Literal["MINIMAL", "LOW", "MEDIUM", "HIGH"]
TaskType = Literal[
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
]

_CATEGORIES = frozenset(get_args(HarmCategory))
_THRESHOLDS = frozenset(get_args(HarmBlockThreshold))
_LEVELS = frozenset(get_args(ThinkingLevel))
_TASKS = frozenset(get_args(TaskType))


@dataclass(frozen=True, slots=True)
class SafetySetting:
    """One ``safetySettings`` entry: block content of ``category`` at or above ``threshold``."""

    category: HarmCategory
    threshold: HarmBlockThreshold

    def __post_init__(self) -> None:
        if self.category not in _CATEGORIES:
            raise ConfigurationError(
                f"unknown Gemini harm category {self.category!r}; known: {', '.join(sorted(_CATEGORIES))}"
            )
        if self.threshold not in _THRESHOLDS:
            raise ConfigurationError(
                f"unknown Gemini block threshold {self.threshold!r}; known: {', '.join(sorted(_THRESHOLDS))}"
            )

    def to_wire(self) -> dict[str, str]:
        return {"category": self.category, "threshold": self.threshold}


SafetySettingsInput = Sequence[SafetySetting | Mapping[str, str]] | Mapping[str, str]


class GeminiOptions(TypedDict, total=False):
    """Provider keyword options the Gemini dialect reads from ``ChatRequest.options``."""

    top_p: float
    top_k: int
    seed: int
    presence_penalty: float
    frequency_penalty: float
    safety_settings: SafetySettingsInput
    thinking_budget: int
    include_thoughts: bool
    thinking_level: ThinkingLevel
    reasoning_effort: Literal["minimal", "low", "medium", "high"]
    cached_content: str
    labels: Mapping[str, str]
    response_modalities: Sequence[str]
    # Send the JSON schema untouched as responseJsonSchema / parametersJsonSchema.
    gemini_json_schema: bool


class GeminiEmbedOptions(TypedDict, total=False):
    task_type: TaskType
    title: str


CHAT_OPTIONS: tuple[str, ...] = tuple(GeminiOptions.__annotations__)
EMBED_OPTIONS: tuple[str, ...] = tuple(GeminiEmbedOptions.__annotations__)


def safety_settings_to_wire(value: SafetySettingsInput) -> list[dict[str, str]]:
    """Accept ``SafetySetting``s, wire dicts, or a ``{category: threshold}`` mapping."""
    if isinstance(value, Mapping):
        items: list[SafetySetting] = [SafetySetting(k, v) for k, v in value.items()]  # type: ignore[arg-type]
    else:
        items = []
        for entry in value:
            if isinstance(entry, SafetySetting):
                items.append(entry)
            elif isinstance(entry, Mapping) and "category" in entry and "threshold" in entry:
                items.append(SafetySetting(entry["category"], entry["threshold"]))  # type: ignore[arg-type]
            else:
                raise ConfigurationError(f"a safety setting needs a category and a threshold, got {entry!r}")
    return [s.to_wire() for s in items]


# ``reasoning_effort`` on models that take a token budget rather than a level (Gemini 1.x / 2.x).
EFFORT_BUDGETS = {"MINIMAL": 128, "LOW": 1024, "MEDIUM": 8192, "HIGH": 24576}


def thinking_config(options: Mapping[str, Any], model: str = "") -> dict[str, Any] | None:
    """Build ``thinkingConfig`` from ``thinking_budget`` / ``include_thoughts`` / ``thinking_level``.

    The portable ``reasoning_effort`` becomes ``thinkingLevel`` (Gemini 3 and later), or a
    ``thinkingBudget`` from ``EFFORT_BUDGETS`` for Gemini 1.x / 2.x models, which reject levels."""
    cfg: dict[str, Any] = {}
    if options.get("thinking_budget") is not None:
        cfg["thinkingBudget"] = int(options["thinking_budget"])
    level = options.get("thinking_level")
    effort = options.get("reasoning_effort")
    for value in (level, effort):
        if value is not None and str(value).upper() not in _LEVELS:
            raise ConfigurationError(f"unknown Gemini thinking level {value!r}; known: {sorted(_LEVELS)}")
    if level is not None:
        cfg["thinkingLevel"] = str(level).upper()
    elif effort is not None:
        if model.startswith(("gemini-1", "gemini-2")):
            cfg.setdefault("thinkingBudget", EFFORT_BUDGETS[str(effort).upper()])
        else:
            cfg["thinkingLevel"] = str(effort).upper()
    if options.get("include_thoughts") is not None:
        cfg["includeThoughts"] = bool(options["include_thoughts"])
    return cfg or None


def check_task_type(value: str) -> str:
    if value not in _TASKS:
        raise ConfigurationError(f"unknown Gemini embedding task type {value!r}; known: {sorted(_TASKS)}")
    return value


@dataclass(frozen=True, slots=True)
class GeminiQuirks(Quirks):
    """How one Gemini surface (AI Studio, Vertex AI) differs on the wire; set as ``ProviderSpec.quirks``.

    ``model_resource`` names the model inside bodies (countTokens' nested
    request, batchEmbedContents); it is formatted with the call's params and
    ``model``. ``wrap_count_tokens`` sends countTokens as
    ``{"generateContentRequest": {...}}`` (AI Studio) instead of the flat
    ``{contents, systemInstruction, tools}`` Vertex takes. ``host_aliases``
    rewrites hosts a location template yields but Google serves elsewhere
    (``global-aiplatform…`` → ``aiplatform…``).
    """

    model_resource: str = "models/{model}"
    # Appended to the base URL before ``/{model}:{method}`` (Vertex AI: ``/publishers/google/models``,
    # so every Vertex AI spec shares one API root, ``…/projects/{project}/locations/{location}``).
    models_path: str = "/models"
    wrap_count_tokens: bool = True
    host_aliases: Mapping[str, str] = field(default_factory=dict)
    # Vertex accepts request ``labels``; AI Studio rejects them.
    labels: bool = False
    # Imagen's ``:predict`` is served here (Vertex AI; google-genai refuses it on AI Studio).
    imagen: bool = False


AI_STUDIO = GeminiQuirks()
VERTEX = GeminiQuirks(
    model_resource="projects/{project}/locations/{location}/publishers/google/models/{model}",
    wrap_count_tokens=False,
    models_path="/publishers/google/models",
    host_aliases={
        "global-aiplatform.googleapis.com": "aiplatform.googleapis.com",
        "us-aiplatform.googleapis.com": "aiplatform.us.rep.googleapis.com",
        "eu-aiplatform.googleapis.com": "aiplatform.eu.rep.googleapis.com",
    },
    labels=True,
    imagen=True,
)


# Provider keyword options for Imagen -> its parameter (google-genai's names, snake_case).
IMAGEN_OPTIONS: Mapping[str, str] = {
    "safety_filter_level": "safetySetting",
    "person_generation": "personGeneration",
    "include_rai_reason": "includeRaiReason",
    "include_safety_attributes": "includeSafetyAttributes",
    "language": "language",
    "add_watermark": "addWatermark",
    "enhance_prompt": "enhancePrompt",
    "guidance_scale": "guidanceScale",
    "output_gcs_uri": "storageUri",
    "edit_mode": "editMode",
}
IMAGE_OPTIONS = frozenset(IMAGEN_OPTIONS) | {
    "output_compression_quality",
    "mask_mode",
    "mask_dilation",
    "image_size",  # Gemini image models: imageConfig.imageSize ("1K", "2K", "4K")
}
