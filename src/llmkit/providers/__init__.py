"""The provider registry. Specs are data modules, loaded per family on first use.

``FAMILIES`` names the providers each spec module defines, so the first ``anthropic/...`` call
imports ``llmkit.providers.anthropic`` (and the Anthropic dialect) and nothing else; a test holds
the index to the modules' ``SPECS``. Every spec is checked against its dialect (``check_spec``)
before it is first handed out: a capability its dialect cannot serve, or quirks of another
dialect's type, is a ConfigurationError there, not on a call. ``get_spec`` checks only the spec it
resolves (importing only that spec's dialect, not its siblings'); ``all_specs`` (the docs, the
catalog, the tests) checks every one, and ``register`` checks a run-time spec at once.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

from llmkit.errors import ConfigurationError
from llmkit.providers.spec import Param, ProviderSpec

if TYPE_CHECKING:
    from llmkit.dialects.base import ChatDialect

__all__ = ["FAMILIES", "Param", "ProviderSpec", "all_specs", "get_spec", "register"]

# Spec module -> the providers its ``SPECS`` define (data, in the order the docs list them).
FAMILIES: dict[str, tuple[str, ...]] = {
    "llmkit.providers.openai": ("openai", "openai_compatible"),
    "llmkit.providers.anthropic": ("anthropic", "minimax_anthropic", "zai_anthropic"),
    "llmkit.providers.google": ("gemini", "vertex_ai"),
    "llmkit.providers.google_maas": ("vertex_ai_maas", "vertex_ai_mistral", "vertex_ai_ai21"),
    "llmkit.providers.google_anthropic": ("vertex_ai_anthropic",),
    "llmkit.providers.compatible_cloud": (
        "friendli",
        "novita",
        "hyperbolic",
        "lambda_ai",
        "datarobot",
        "groq",
        "cerebras",
        "sambanova",
        "fireworks_ai",
        "together_ai",
        "deepinfra",
        "openrouter",
        "huggingface",
        "baseten",
        "runpod",
        "nvidia_nim",
        "cloudflare",
        "github",
        "databricks",
        "nebius",
    ),
    "llmkit.providers.compatible_labs": (
        "perplexity",
        "xai",
        "meta_llama",
        "deepseek",
        "mistral",
        "ai21",
        "writer",
    ),
    "llmkit.providers.compatible_regional": (
        "volcengine",
        "dashscope",
        "zai",
        "zhipu",
        "moonshot",
        "qianfan",
        "minimax",
        "siliconflow",
        "modelscope",
        "upstage",
    ),
    "llmkit.providers.compatible_local": (
        "ollama",
        "vllm",
        "sglang",
        "lm_studio",
        "llamacpp",
        "llamafile",
        "modal",
        "lepton",
    ),
    "llmkit.providers.compatible_extra": (
        "featherless_ai",
        "nscale",
        "ovhcloud",
        "scaleway",
        "inception",
        "crusoe",
        "chutes",
        "parasail",
        "venice",
        "vercel_ai_gateway",
        "wandb",
        "requesty",
        "clarifai",
    ),
    "llmkit.providers.azure": ("azure_openai", "azure_ai", "azure_ai_cohere"),
    "llmkit.providers.aws": ("bedrock", "sagemaker", "bedrock_cohere"),
    "llmkit.providers.snowflake": ("snowflake",),
    "llmkit.providers.oci": ("oci",),
    "llmkit.providers.gigachat": ("gigachat",),
    "llmkit.providers.sap": ("sap",),
    "llmkit.providers.watsonx": ("watsonx",),
    "llmkit.providers.replicate": ("replicate",),
    "llmkit.providers.stability": ("stability",),
    "llmkit.providers.ollama_native": ("ollama_chat",),
    "llmkit.providers.cohere": ("cohere",),
    "llmkit.providers.vectors": ("voyage", "jina_ai", "huggingface_tei", "hf_inference"),
    "llmkit.providers.compatible_vendors": (
        "amazon_nova",
        "meta",
        "anyscale",
        "compactifai",
        "cognition",
        "empower",
        "maritalk",
        "morph",
        "reka",
        "sarvam",
        "tencent",
        "xiaomi_mimo",
        "streamlake",
        "neosantara",
        "publicai",
        "v0",
        "synthetic",
        "tensormesh",
        "sail",
        "scx_ai",
        "refuseless",
        "abliteration",
        "aiand",
        "darkbloom",
        "pinstripes",
        "opencode_go",
        "zerogpu",
        "wally",
    ),
    "llmkit.providers.compatible_local_more": ("docker_model_runner", "lemonade", "oobabooga", "xinference"),
    "llmkit.providers.compatible_gateways": (
        "aihubmix",
        "aiml",
        "apertis",
        "clf_ai_gateway",
        "cometapi",
        "cortecs",
        "edenai",
        "helicone",
        "hostinger_router",
        "kyma",
        "llamagate",
        "nadir",
        "nano_gpt",
        "poe",
        "assemblyai",
    ),
    "llmkit.providers.compatible_hosts": (
        "charity_engine",
        "coralbricks",
        "empiriolabs",
        "galadriel",
        "gmi",
        "gradient_ai",
        "heroku",
        "inferenceapis",
        "libertai",
        "openinfer",
        "prism",
        "ragflow",
        "litellm_proxy",
    ),
    "llmkit.providers.ranking": ("bedrock_rerank", "vertex_ai_ranking", "nvidia_nim_rerank", "nim_rerank"),
    "llmkit.providers.natives": ("tgi", "tgi_generate", "lorax", "predibase", "triton"),
    "llmkit.providers.yandex": ("yandex",),
    "llmkit.providers.copilot": ("github_copilot",),
    "llmkit.providers.naver": ("naver_clova",),
    "llmkit.providers.natives2": ("nlp_cloud",),
    "llmkit.providers.petals": ("petals",),
}
# The modules, in the order ``all_specs`` loads them.
SPEC_MODULES: list[str] = list(FAMILIES)
_INDEX: dict[str, str] = {name: module for module, names in FAMILIES.items() for name in names}

# Every spec known so far: the loaded families' and those added with ``register``.
_registry: dict[str, ProviderSpec] = {}
# Specs added at run time; they win over a built-in of the same name, whenever that loads.
_extra: dict[str, ProviderSpec] = {}
_loaded: set[str] = set()
# The built-in specs checked against their dialect so far (the spec itself: a popped and reloaded
# name is the same object, a replaced one is checked again).
_checked: dict[str, ProviderSpec] = {}
# Reentrant: a spec module that looked a provider up while loading must not deadlock.
_lock = threading.RLock()


def _check(spec: ProviderSpec) -> None:
    from llmkit.dialects import get_dialect

    check_spec(spec, get_dialect(spec.dialect))


def _checked_spec(spec: ProviderSpec) -> ProviderSpec:
    """``spec``, checked against its dialect the first time it is handed out.

    Checking imports the dialect, so it waits for the spec's first use: the first ``gemini/...``
    call loads the Gemini dialect, not the OpenAI and Anthropic ones its family's Vertex partner
    specs speak."""
    if _checked.get(spec.name) is not spec:
        with _lock:
            _check(spec)
            _checked[spec.name] = spec
    return spec


def _load_family(module: str) -> None:
    """Import one spec module and register its specs (again, if some were popped since)."""
    with _lock:
        for spec in importlib.import_module(module).SPECS:
            home = _INDEX.get(spec.name)
            if home != module:
                raise ConfigurationError(
                    f"provider {spec.name!r} is defined in {module} but the registry index "
                    f"(llmkit.providers.FAMILIES) lists it under {home or 'no module'}"
                )
            if spec.name not in _extra:
                _registry.setdefault(spec.name, spec)
        _loaded.add(module)


def _load() -> dict[str, ProviderSpec]:
    """Every family loaded and every spec checked; the registry itself (tests patch it)."""
    for module in SPEC_MODULES:
        if module not in _loaded:
            _load_family(module)
    for spec in list(_registry.values()):
        _checked_spec(spec)
    return _registry


def register(spec: ProviderSpec) -> None:
    """Add (or replace) a provider at run time, e.g. a private OpenAI-compatible gateway.

    The spec is checked against its dialect here (ConfigurationError if it declares a capability
    the dialect lacks, or carries another dialect's quirks)."""
    _check(spec)
    with _lock:
        _checked[spec.name] = spec
        _extra[spec.name] = spec
        _registry[spec.name] = spec


def get_spec(name: str) -> ProviderSpec:
    spec = _registry.get(name)
    if spec is not None:
        return _checked_spec(spec)
    module = _INDEX.get(name)
    if module is not None:
        _load_family(module)
        spec = _registry.get(name)
        if spec is not None:
            return _checked_spec(spec)
    reg = _load()
    try:
        return reg[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, reg, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ConfigurationError(
            f"unknown provider {name!r}.{hint} Known providers: {', '.join(sorted(reg))}"
        ) from None


def all_specs() -> list[ProviderSpec]:
    return sorted(_load().values(), key=lambda s: s.name)


def check_spec(spec: ProviderSpec, dialect: ChatDialect) -> None:
    """A spec whose dialect cannot serve a declared capability, or reads another type of quirks,
    is refused where it is registered rather than failing on its first call."""
    from llmkit.dialects import missing_methods
    from llmkit.dialects.base import Quirks

    for capability in sorted(spec.capabilities):
        missing = missing_methods(dialect, capability)
        if missing:
            raise ConfigurationError(
                f"provider {spec.name!r} declares the capability {capability!r}, but its dialect "
                f"{dialect.name!r} lacks {', '.join(missing)}; drop the flag or implement them"
            )
    quirks, expected = spec.quirks, dialect.quirks_type
    # A dialect with no quirks of its own reads the base class: no subclass of another dialect's.
    fits = type(quirks) is Quirks if expected is Quirks else isinstance(quirks, expected)
    if quirks is not None and not fits:
        raise ConfigurationError(
            f"provider {spec.name!r} has quirks of type {type(quirks).__name__}, but its dialect "
            f"{dialect.name!r} reads {dialect.quirks_type.__name__}"
        )
