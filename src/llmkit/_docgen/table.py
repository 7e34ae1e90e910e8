"""The provider table: ``llmkit providers`` (plain, --json, --markdown), docs/providers.md and the
README section all read these rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmkit.providers.spec import ProviderSpec


def auth_label(auth: str, header: str) -> str:
    return {"bearer": "Authorization: Bearer", "header": f"{header} header", "none": "none"}.get(
        auth, "custom"
    )


def _auth_env(spec: ProviderSpec) -> list[str]:
    """The variables a custom auth factory reads besides the key (AWS's key pair, Vertex's ADC file)."""
    from llmkit._resolve import auth_factory

    factory = auth_factory(spec) if spec.auth == "custom" and spec.auth_factory else None
    return [e for e in (factory.env if factory else ()) if e not in spec.env_keys]


def provider_rows() -> list[dict[str, Any]]:
    from llmkit.providers import all_specs

    rows = []
    for s in all_specs():
        rows.append(
            {
                "name": s.name,
                "title": s.title,
                "dialect": s.dialect,
                "auth": auth_label(s.auth, s.auth_header),
                "base_url": s.base_url or "(base_url= required)",
                "regions": sorted(s.regions),
                "env": list(s.env_keys),
                "auth_env": _auth_env(s),
                "params": {k: list(p.env) for k, p in s.params.items()},
                "capabilities": sorted(s.capabilities),
                "docs": s.docs_url,
            }
        )
    return rows


def providers_markdown(link: str = "") -> str:
    """The table; ``link`` (a folder such as ``providers/``) makes each name a link to its page."""
    rows = provider_rows()
    out = [
        f"{len(rows)} providers. Generated from the registry by `llmkit docs`; do not edit by hand.",
        "",
        "| provider | name | wire format | auth | key env | base URL | capabilities |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = r["base_url"] + (f" (regions: {', '.join(r['regions'])})" if r["regions"] else "")
        name = f"[`{r['name']}`]({link}{r['name']}.md)" if link else f"`{r['name']}`"
        out.append(
            f"| {name} | {r['title']} | {r['dialect']} | {r['auth']} | {', '.join(r['env']) or '-'} "
            f"| {base} | {', '.join(r['capabilities'])} |"
        )
    return "\n".join(out) + "\n"
