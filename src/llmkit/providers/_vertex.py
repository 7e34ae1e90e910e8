"""What every Vertex AI spec shares (Gemini's and the partner models'): the API root, the
project and location params, the hosts Google serves ``global`` and the multi-regions from, the
credentials note.

Plain data with no dialect behind it, so the partner specs (``google_maas``, ``google_anthropic``)
can use it without loading the Gemini dialect, and Gemini's without loading theirs.
"""

from __future__ import annotations

from collections.abc import Mapping

from llmkit.providers.spec import Param

PROJECT_DOC = "the Google Cloud project id or number"
VERTEX_PARAMS = {
    "project": Param(env=("GOOGLE_CLOUD_PROJECT",), doc=PROJECT_DOC, kind="gcp_project"),
    "location": Param(
        env=("GOOGLE_CLOUD_LOCATION",),
        default="us-central1",
        doc="a Vertex AI region such as us-central1, or global",
        kind="region",
        aliases=("region",),
    ),
}
# Hosts a location template yields but Google serves elsewhere. The Gemini dialect's Vertex quirks
# (``llmkit.dialects.gemini._options.VERTEX``) carry the same map for hand-made contexts; a test
# holds the two equal.
VERTEX_HOSTS: Mapping[str, str] = {
    "global-aiplatform.googleapis.com": "aiplatform.googleapis.com",
    "us-aiplatform.googleapis.com": "aiplatform.us.rep.googleapis.com",
    "eu-aiplatform.googleapis.com": "aiplatform.eu.rep.googleapis.com",
}
VERTEX_AUTH_NOTE = (
    "Credentials: access_token= (a string or a callable returning one), credentials= "
    "(a service-account key file path or its parsed JSON), else Application Default "
    "Credentials (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, or google-auth "
    "through the llmkit[gcp] extra)."
)
VERTEX_AUTH_FACTORY = "llmkit.auth.google:vertex_auth"


def vertex_root(api_version: str) -> str:
    """The API root every Vertex AI spec shares (``base_url=`` replaces it): the dialects' paths
    (``/publishers/…/models/…``, ``/endpoints/openapi/…``) follow it. ``global`` and the ``us`` /
    ``eu`` multi-regions are served from other hosts, which ``host_aliases`` rewrite."""
    return f"https://{{location}}-aiplatform.googleapis.com/{api_version}/projects/{{project}}/locations/{{location}}"
