"""The Embeddings endpoint: deterministic vectors, as floats or base64-packed float32s."""

from __future__ import annotations

import base64
import struct
from typing import Any

from llmkit.emulator._content import count_tokens
from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

EMBED_FIELDS = frozenset({"dimensions", "encoding_format", "input", "model", "user"})
QUANTISED = frozenset({"int8", "uint8", "binary", "ubinary"})


def embeddings(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return error_reply(profile, ScriptedError(400, "We could not parse the JSON body of your request."))
    if not isinstance(body, dict):
        return error_reply(profile, ScriptedError(400, "The request body must be a JSON object."))
    # A provider's own fields (Mistral's output_dimension/output_dtype, NIM's input_type, ...).
    allowed = EMBED_FIELDS | frozenset(profile.extra.get("embed_fields", ()))
    unknown = [k for k in body if k not in allowed]
    if unknown:
        return error_reply(
            profile, ScriptedError(400, f"Unrecognized request argument supplied: {unknown[0]}")
        )
    if "model" not in body or "input" not in body:
        return error_reply(profile, ScriptedError(400, "Missing required parameter: 'model' or 'input'."))
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(profile, script.error)
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    dims = int(body.get("dimensions") or body.get("output_dimension") or 8)
    dtype = body.get("output_dtype") or body.get("encoding_format")
    data = []
    for i, text in enumerate(inputs):
        seed = sum(map(ord, str(text))) or 1
        vec = [((seed * (j + 3)) % 97) / 97.0 - 0.5 for j in range(dims)]
        embedding: Any = vec
        if body.get("encoding_format") == "base64":  # little-endian float32s, base64-encoded
            embedding = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode()
        elif dtype in QUANTISED:  # int8 (and the others) as integers, as Mistral/Azure AI send
            embedding = [round(x * 254) + (128 if dtype.startswith("u") else 0) for x in vec]
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    tokens = sum(count_tokens(str(t)) for t in inputs)
    obj: dict[str, Any] = {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    if profile.extra.get("embedding_id"):  # Mistral's EmbeddingResponse carries a required id
        obj = {"id": f"embd-emu{len(emu.requests)}", **obj}
    return json_reply(200, obj, {"x-request-id": "req_emb"})
