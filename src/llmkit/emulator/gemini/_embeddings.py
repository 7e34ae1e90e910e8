"""embedContent and batchEmbedContents: deterministic vectors, one per request."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.gemini._errors import error_reply
from llmkit.emulator.gemini._validate import Invalid, check_known_fields
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply


def embed(req: EmuRequest, emu: Emulator, requests: Any, resource: str | None, single: bool) -> Reply:
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(script.error)
    if not isinstance(requests, list) or not requests:
        raise Invalid("requests: at least one EmbedContentRequest is required")
    vectors: list[dict[str, Any]] = []
    allowed = {"model", "content", "taskType", "title", "outputDimensionality", "autoTruncate"}
    for i, one in enumerate(requests):
        if not isinstance(one, dict):
            raise Invalid(f"requests[{i}] must be an object")
        check_known_fields(one, allowed)
        if resource is not None:
            # AI Studio requires each request to name the model; Vertex AI lets it be empty.
            ok = (None, "", resource) if "/projects/" in req.path else (resource,)
            if one.get("model") not in ok:
                raise Invalid(f"requests[{i}].model must be {resource!r}")
        content = one.get("content")
        if not isinstance(content, dict) or not content.get("parts"):
            raise Invalid(f"requests[{i}].content is required")
        text = " ".join(p.get("text", "") for p in content["parts"])
        dims = int(one.get("outputDimensionality") or 8)
        seed = sum(map(ord, text)) or 1
        vectors.append({"values": [((seed * (j + 5)) % 89) / 89.0 - 0.5 for j in range(dims)]})
    if single:
        return json_reply(200, {"embedding": vectors[0]})
    return json_reply(200, {"embeddings": vectors})
