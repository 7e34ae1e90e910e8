"""One provider's page, ``docs/providers/<name>.md``: the registry's facts, a runnable example per
capability, the error mapping, troubleshooting, then the hand-written notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llmkit._docgen import facts
from llmkit._docgen.errors import code_rows, status_rows
from llmkit._docgen.examples import SHOWN, examples
from llmkit._docgen.notes import Notes, demoted
from llmkit._docgen.references import reference_section
from llmkit.providers.spec import ProviderSpec

# Where a dialect's usual model names come from when no notes file names one (per wire format,
# never per provider: a provider's own models belong in its notes file).
DIALECT_MODELS: Mapping[str, Mapping[str, str]] = {
    "anthropic_messages": {"chat": "claude-sonnet-4-5"},
    "gemini": {"chat": "gemini-2.5-flash", "embeddings": "text-embedding-004"},
    "bedrock_converse": {
        "chat": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "embeddings": "cohere.embed-english-v3",
        "images": "amazon.nova-canvas-v1:0",
    },
    "sagemaker": {"chat": "my-llm-endpoint"},
    "replicate": {"chat": "meta/meta-llama-3-8b-instruct"},
}
PLACEHOLDERS = {"chat": "your-model-id", "embeddings": "your-embedding-model",
                "images": "your-image-model", "rerank": "your-rerank-model"}  # fmt: skip


def models_of(spec: ProviderSpec, notes: Sequence[Notes]) -> dict[str, str]:
    """The example model of each kind: the notes' first, else the dialect's usual, else a placeholder."""
    out = dict(PLACEHOLDERS)
    out.update(DIALECT_MODELS.get(spec.dialect, {}))
    for n in reversed(notes):  # the first notes file wins
        for key, model in n.by_kind.items():
            provider, dot, kind = key.rpartition(".")
            if not dot or provider == spec.name:  # "bedrock.images:" in a file for several
                out[kind] = model
        if n.models:
            out["chat"] = n.models[0]
    return out


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in r) + " |" for r in rows]
    return out


def _intro(spec: ProviderSpec, models: Mapping[str, str], notes: Sequence[Notes]) -> list[str]:
    out = [f"# {spec.title}", "", facts.GENERATED.format(name=spec.name), ""]
    lead = f"Provider name `{spec.name}`: model names are `{spec.name}/<model id>`."
    lead += f" Wire format: `{spec.dialect}`."
    if spec.docs_url:
        lead += f" Provider documentation: <{spec.docs_url}>."
    out += [lead, ""]
    if spec.notes:
        out += [spec.notes.strip(), ""]
    out += ["## Models", ""]
    named = [m for n in notes for m in n.models]
    if named:
        out.append(
            "Models the notes name: " + ", ".join(f"`{spec.name}/{m}`" for m in dict.fromkeys(named)) + "."
        )
    else:
        out.append(
            f"The examples use `{spec.name}/{models['chat']}`; any model id the provider serves works "
            "(see its documentation for the list)."
        )
    kinds = [f"{k} `{spec.name}/{v}`" for k, v in models.items() if k != "chat" and k in _kinds(spec)]
    if kinds:
        out += ["", "Models in the examples beyond chat: " + ", ".join(kinds) + "."]
    if spec.model_routes:
        out += ["", "Some model names are served by another provider's spec:", ""]
        out += _table(
            ("model name", "served by"), [(f"`{p}`", f"[`{t}`]({t}.md)") for p, t in spec.model_routes]
        )
    return [*out, ""]


def _kinds(spec: ProviderSpec) -> set[str]:
    return {c for c in ("embeddings", "images", "rerank") if c in spec.capabilities}


def _configuration(spec: ProviderSpec) -> list[str]:
    out = ["## Authentication and environment variables", "", facts.auth_text(spec), ""]
    out += _table(("environment variable", "keyword", "default", "kind", "meaning"), facts.env_rows(spec))
    options = facts.option_rows(spec)
    if options:
        out += ["", "Keyword options of this provider's own:", ""]
        out += _table(("keyword", "sent as"), options)
    common = facts.dialect_options_text(spec)
    if common:
        out += ["", common]
    out += [
        "",
        "## URL parameters and regions",
        "",
        f"Base URL: `{spec.base_url or '(none: set base_url=)'}`.",
    ]
    out += ["", facts.url_text(spec)]
    if spec.regions:
        out += ["", f"Regions (`region=`; default {spec.default_region or 'none'}):", ""]
        out += _table(("region", "base URL"), [(f"`{k}`", f"`{v}`") for k, v in sorted(spec.regions.items())])
    return [*out, ""]


def _capabilities(spec: ProviderSpec) -> list[str]:
    rows = [(c, "yes" if c in spec.capabilities else "no") for c in SHOWN]
    rows += [(c, "yes") for c in sorted(spec.capabilities - set(SHOWN))]  # a spec's own flags
    return ["## Capabilities", "", *_table(("capability", "supported"), rows), ""]


def _examples(spec: ProviderSpec, models: Mapping[str, str]) -> list[str]:
    out = ["## Examples", "", facts.examples_text(spec), ""]
    for ex in examples(spec.name, spec.capabilities, models):
        out += [f"### {ex.title}", "", "```python", ex.code.rstrip("\n"), "```", ""]
    return out


def _errors(spec: ProviderSpec) -> list[str]:
    out = ["## Errors", "", facts.ERRORS_TEXT, ""]
    rows = [(str(r.status), f"`{r.error}`", "yes" if r.retried else "no") for r in status_rows()]
    out += _table(("HTTP status", "llmkit raises", "retried"), rows)
    codes = code_rows(spec)
    if codes:
        out += ["", "The provider's error codes that decide the class, whatever the status says:", ""]
        out += _table(
            ("read from", "code", "llmkit raises", "when"),
            [(c.field, f"`{c.code}`", f"`{c.error}`", c.note) for c in codes],
        )
    return [*out, ""]


def render_page(spec: ProviderSpec, notes: Sequence[Notes]) -> str:
    models = models_of(spec, notes)
    out = _intro(spec, models, notes) + _configuration(spec) + _capabilities(spec)
    out += _examples(spec, models) + _errors(spec)
    out += ["## Troubleshooting", "", *facts.troubleshooting(spec), ""]
    out += reference_section(spec.name, [n.reference for n in notes if n.reference])
    for n in notes:
        out += [f"<!-- included from docs/notes/{n.path.name} -->", "", demoted(n.body)]
    return "\n".join(out).rstrip("\n") + "\n"
