"""More servers you run yourself that speak OpenAI Chat Completions, in ``compatible_local``'s style.

Each defaults to the port its documentation gives; a key is optional and sent only when the
server was started with one.
"""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers._compatible import CHAT, REASONING, STANDARD, caps, compat

SPECS = (
    compat(
        "docker_model_runner",
        "Docker Model Runner",
        "http://localhost:12434/engines/v1",
        (),
        "https://docs.docker.com/ai/model-runner/api-reference/",
        capabilities=caps(STANDARD, {"embeddings"}),
        auth="none",
        key_required=False,
        notes=(
            "The host port (12434, TCP access enabled in Docker Desktop). From a container use "
            "base_url='http://model-runner.docker.internal/engines/v1'. Models are OCI names "
            "(ai/smollm2). No key."
        ),
    ),
    compat(
        "lemonade",
        "Lemonade Server (AMD)",
        "http://localhost:8000/api/v1",
        ("LEMONADE_API_KEY",),
        "https://lemonade-server.ai/docs/",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        key_required=False,
        notes="The key is needed only when the server was started with one (LEMONADE_API_KEY).",
    ),
    compat(
        "oobabooga",
        "text-generation-webui (oobabooga)",
        "http://127.0.0.1:5000/v1",
        ("OOBABOOGA_API_KEY",),
        "https://github.com/oobabooga/text-generation-webui/wiki",
        capabilities=caps(CHAT, {"embeddings"}),
        key_required=False,
        body_options={
            n: n
            for n in ("top_k", "min_p", "repetition_penalty", "mode", "character", "instruction_template")
        },
        notes="Start it with --api (and --api-key to require a key). Its own sampling options pass through.",
    ),
    compat(
        "xinference",
        "Xorbits Inference (Xinference)",
        "http://127.0.0.1:9997/v1",
        ("XINFERENCE_API_KEY",),
        "https://inference.readthedocs.io/",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        key_required=False,
        # Its getting-started guide's reply has -1 in every usage field: not counted.
        quirks=OpenAIQuirks(uncounted=-1),
        notes=(
            "The model is the model uid you launched. The key is needed only with authentication "
            "enabled (xinference --auth-config)."
        ),
    ),
)
