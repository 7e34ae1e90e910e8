"""GigaChat (Sber): its own dialect (OpenAI chat with the functions format), OAuth on the token
manager (``llmkit.auth.gigachat``), and a CA bundle option for the Russian national CA chain."""

from __future__ import annotations

from llmkit.dialects.gigachat._wire import error_fields
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="gigachat",
        display_name="GigaChat (Sber)",
        dialect="gigachat",
        base_url="https://gigachat.devices.sberbank.ru/api/v1",
        env_keys=("GIGACHAT_CREDENTIALS",),
        auth="custom",
        auth_factory="llmkit.auth.gigachat:gigachat_auth",
        # The SDK's optional request headers.
        header_options={
            "session_id": "X-Session-ID",
            "request_id": "X-Request-ID",
            "client_id": "X-Client-ID",
        },
        capabilities=frozenset({"chat", "stream", "tools", "json_schema", "embeddings"}),
        quirks=OpenAIQuirks(
            # GigaChat sends usage in the last chunk unasked; stream_options is not in its API.
            stream_usage=False,
            error_fields=error_fields,
        ),
        docs_url="https://developers.sber.ru/docs/ru/gigachat/api/reference/rest/gigachat-api",
        notes=(
            "credentials= (or GIGACHAT_CREDENTIALS) is the authorization key; scope= / GIGACHAT_SCOPE "
            "(default GIGACHAT_API_PERS); auth_url= / GIGACHAT_AUTH_URL; or user= / GIGACHAT_USER and "
            "password= / GIGACHAT_PASSWORD for <base_url>/token; verify= / GIGACHAT_CA_BUNDLE_FILE "
            "is the path of the Russian Trusted Root CA bundle (TLS is never unverified). Tools are sent "
            "as GigaChat functions; tool call ids are llmkit's (call_<n>)."
        ),
    ),
)
