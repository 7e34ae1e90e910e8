"""countTokens, and the prompt count generateContent reports for the same request."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator._content import count_tokens as count_text_tokens
from llmkit.emulator.gemini._validate import Invalid, check_content, check_known_fields
from llmkit.emulator.server import Reply, json_reply


def _texts(contents: list[Any]) -> str:
    out: list[str] = []
    for content in contents:
        for part in content.get("parts", ()):
            if "text" in part and not part.get("thought"):
                out.append(part["text"])
            for key in ("functionCall", "functionResponse"):
                if key in part:
                    out.append(json.dumps(part[key]))
    return " ".join(out)


def prompt_tokens(body: dict[str, Any]) -> int:
    """The emulator's count of a request's prompt: what countTokens answers for the same request."""
    text = _texts(body.get("contents") or [])
    if "systemInstruction" in body:
        text += " " + _texts([body["systemInstruction"]])
    if body.get("tools"):
        text += " " + json.dumps(body["tools"])
    return count_text_tokens(text)


def count_tokens(body: dict[str, Any], vertex: bool, resource: str) -> Reply:
    if vertex:
        allowed = {"contents", "systemInstruction", "tools", "generationConfig", "instances", "model"}
        request = body
    else:
        allowed = {"contents", "generateContentRequest"}
        if "contents" in body and "generateContentRequest" in body:
            raise Invalid("countTokens takes contents or generateContentRequest, not both")
        request = body.get("generateContentRequest") or {"contents": body.get("contents")}
        if "generateContentRequest" in body and request.get("model") != resource:
            raise Invalid(f"generateContentRequest.model must be {resource!r}")
    check_known_fields(body, allowed)
    contents = request.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Invalid("countTokens needs contents")
    for i, content in enumerate(contents):
        check_content(content, f"contents[{i}]", vertex)
    total = prompt_tokens(request)
    out: dict[str, Any] = {
        "totalTokens": total,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    }
    if vertex:
        out["totalBillableCharacters"] = len(_texts(contents).replace(" ", ""))
    return json_reply(200, out)
