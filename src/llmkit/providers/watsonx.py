"""IBM watsonx.ai (IBM Cloud, and Cloud Pak for Data): its own chat, chat_stream and embeddings
endpoints (``llmkit.dialects.watsonx``), an IAM token traded for the API key or a CP4D
``ZenApiKey`` (``llmkit.auth.watsonx``)."""

from __future__ import annotations

from llmkit.providers.spec import Param, ProviderSpec

# IBM's Java SDK ``CloudRegion``: Mumbai is not ``{region}.ml.cloud.ibm.com``, so ``url=`` stays a
# free-form URL root and these are named shortcuts for ``region=``.
REGIONS = {
    "us-south": "https://us-south.ml.cloud.ibm.com",
    "eu-de": "https://eu-de.ml.cloud.ibm.com",
    "eu-gb": "https://eu-gb.ml.cloud.ibm.com",
    "jp-tok": "https://jp-tok.ml.cloud.ibm.com",
    "au-syd": "https://au-syd.ml.cloud.ibm.com",
    "ca-tor": "https://ca-tor.ml.cloud.ibm.com",
    "ap-south-1": "https://ap-south-1.aws.wxai.ibm.com",
}
# The Java SDK's default (``WatsonxService.API_VERSION``).
API_VERSION = "2026-08-11"

SPECS = (
    ProviderSpec(
        name="watsonx",
        display_name="IBM watsonx.ai",
        dialect="watsonx",
        base_url="{url}",
        env_keys=("WATSONX_APIKEY", "WATSONX_API_KEY"),
        auth="custom",
        auth_factory="llmkit.auth.watsonx:watsonx_auth",
        regions=REGIONS,
        params={
            "url": Param(
                ("WATSONX_URL",),
                required=False,  # region= names one too
                doc="the service URL, e.g. https://us-south.ml.cloud.ibm.com, or pass region=",
                kind="url_root",
            ),
            "project_id": Param(
                ("WATSONX_PROJECT_ID",), required=False, doc="the watsonx.ai project id", kind="token"
            ),
            "space_id": Param(
                ("WATSONX_SPACE_ID", "WATSONX_DEPLOYMENT_SPACE_ID"),
                required=False,
                doc="a deployment space id (instead of project_id)",
                kind="token",
            ),
            "api_version": Param(("WATSONX_API_VERSION",), API_VERSION, kind="token", aliases=("version",)),
        },
        query={"version": "{api_version}"},
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings"}
        ),
        docs_url="https://cloud.ibm.com/apidocs/watsonx-ai",
        notes=(
            "url= (or WATSONX_URL, or region=) is the service URL; project_id= or space_id= names the "
            "project; api_key= (WATSONX_APIKEY) is traded at IBM Cloud IAM (iam_url= for a private IAM) "
            "for a cached token. Cloud Pak for Data: username= sends ZenApiKey. Model deployment/<id> "
            "calls a deployment."
        ),
    ),
)
