"""Yandex Foundation Models (YandexGPT): the native ``completion`` API (``llmkit.dialects.yandex``),
an API key or IAM token (``llmkit.auth.yandex``), the folder id that names the model's home.

The native API is the route (``yandex/<model>``): it is the one the Foundation Models reference
documents in full (``modelUri``, a status per alternative, ``toolCallList``, reasoning options);
the ``/v1`` OpenAI-compatible endpoint is a later compatibility layer over the same models.
"""

from __future__ import annotations

from llmkit.providers.spec import Param, ProviderSpec

# Yandex Cloud resource ids (folders included) are 20 lowercase letters and digits ("b1g...");
# a wider bound keeps older and test ids, and no character outside [a-z0-9] reaches a URI.
FOLDER = Param(
    ("YC_FOLDER_ID",),
    required=False,
    doc="the Yandex Cloud folder id the model runs in (gpt://<folder_id>/<model>/<version>)",
    pattern=r"[a-z0-9]{4,64}",
)

SPECS = (
    ProviderSpec(
        name="yandex",
        display_name="Yandex Foundation Models (YandexGPT)",
        dialect="yandex",
        base_url="https://llm.api.cloud.yandex.net",
        env_keys=("YC_API_KEY",),
        auth="custom",
        auth_factory="llmkit.auth.yandex:yandex_auth",
        key_required=False,  # an IAM token (iam_token= / YC_IAM_TOKEN) is the other credential
        params={"folder_id": FOLDER},
        capabilities=frozenset({"chat", "stream", "tools", "json_schema", "json_object", "reasoning"}),
        docs_url="https://yandex.cloud/en/docs/foundation-models/text-generation/api-ref/TextGeneration/completion",
        notes=(
            "Model = <name>[/<version>] (yandexgpt, yandexgpt-lite/rc; version latest by default), sent as "
            "gpt://<folder_id>/<name>/<version>; a gpt:// URI is sent as is. folder_id= (YC_FOLDER_ID). "
            "api_key= / YC_API_KEY is sent as Api-Key; iam_token= / YC_IAM_TOKEN as Bearer. "
            "reasoning_mode= disabled | enabled_hidden. Streams are cumulative NDJSON, sent as deltas."
        ),
    ),
)
