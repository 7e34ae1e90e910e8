"""Wire-format-neutral pieces every handler uses: what to answer, and how to cut it into deltas."""

from __future__ import annotations

import json
import re
from typing import Any

from llmkit.emulator.script import Script, ScriptedCall


def sample(schema: Any, depth: int = 0) -> Any:
    """A deterministic value that satisfies a (reasonable) JSON schema."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return sample(schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {k: sample(v, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [sample(schema.get("items") or {"type": "string"}, depth + 1)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"


def count_tokens(text: str) -> int:
    """The emulator's own token count: words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def split_text(text: str, chars: int = 0, n: int | None = None) -> list[str]:
    if n:
        words = re.findall(r"\S+\s*", text) or [text]
        return [words[i % len(words)] for i in range(n)]
    if chars > 0:
        return [text[i : i + chars] for i in range(0, len(text), chars)] or [""]
    return re.findall(r"\s*\S+", text) or [text]


def split_args(args: str, size: int = 7) -> list[str]:
    return [args[i : i + size] for i in range(0, len(args), size)] or [""]


def call_arguments(call: ScriptedCall) -> str:
    if isinstance(call.arguments, str):
        return call.arguments
    return json.dumps(call.arguments, separators=(",", ":"))


def default_answer(
    last_user_text: str, tools: list[tuple[str, Any]], forced: str | None, schema: Any, script: Script
) -> Script:
    """Fill in what the script left open: structured JSON, a tool call, or an echo."""
    if script.text is not None or script.tool_calls is not None or script.refusal is not None:
        return script
    if script.json is not None:
        script.text = json.dumps(script.json)
        return script
    if schema is not None:
        script.text = json.dumps(sample(schema))
        return script
    if tools and forced != "none":
        name, params = next(((n, p) for n, p in tools if n == forced), tools[0])
        script.tool_calls = [ScriptedCall(name, sample(params) or {})]
        return script
    script.text = (
        f"Hello from the llmkit emulator! You said: {last_user_text}" if last_user_text else "Hello!"
    )
    return script
