"""What a Converse request may hold, checked as the service checks it."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.bedrock._errors import Invalid

# Converse request members (botocore ConverseRequest, minus the modelId path member).
CONVERSE_FIELDS = frozenset(
    {
        "messages",
        "system",
        "inferenceConfig",
        "toolConfig",
        "guardrailConfig",
        "additionalModelRequestFields",
        "promptVariables",
        "additionalModelResponseFieldPaths",
        "requestMetadata",
        "performanceConfig",
        "serviceTier",
        "outputConfig",
    }
)
INFERENCE_FIELDS = frozenset({"maxTokens", "temperature", "topP", "stopSequences"})
CONTENT_MEMBERS = frozenset(
    {
        "text",
        "image",
        "document",
        "video",
        "audio",
        "toolUse",
        "toolResult",
        "guardContent",
        "cachePoint",
        "reasoningContent",
        "citationsContent",
        "searchResult",
    }
)
SYSTEM_MEMBERS = frozenset({"text", "guardContent", "cachePoint"})
TOOL_RESULT_MEMBERS = frozenset({"json", "text", "image", "document", "video", "searchResult"})


def _check_blocks(blocks: Any, where: str, allowed: frozenset[str]) -> list[dict[str, Any]]:
    if not isinstance(blocks, list):
        raise Invalid(f"{where} must be a list")
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or len(block) != 1:
            raise Invalid(f"{where}[{i}] must set exactly one member of the union")
        (member,) = block
        if member not in allowed:
            raise Invalid(f"{where}[{i}]: unknown or misplaced content block member {member!r}")
        value = block[member]
        if member == "text" and not isinstance(value, str):
            raise Invalid(f"{where}[{i}].text must be a string")
        if member == "toolUse" and (
            not isinstance(value, dict)
            or not value.get("toolUseId")
            or not value.get("name")
            or not isinstance(value.get("input"), dict)
        ):
            raise Invalid(f"{where}[{i}].toolUse needs toolUseId, name and an object input")
        if member == "toolResult":
            if not isinstance(value, dict) or not value.get("toolUseId"):
                raise Invalid(f"{where}[{i}].toolResult needs toolUseId")
            _check_blocks(value.get("content", []), f"{where}[{i}].toolResult.content", TOOL_RESULT_MEMBERS)
        if member == "image":
            if not isinstance(value, dict) or value.get("format") not in ("png", "jpeg", "gif", "webp"):
                raise Invalid(f"{where}[{i}].image.format must be png, jpeg, gif or webp")
            source = value.get("source")
            if not isinstance(source, dict) or len(source) != 1:
                raise Invalid(f"{where}[{i}].image.source must set bytes or s3Location")
        if member == "reasoningContent" and (not isinstance(value, dict) or len(value) != 1):
            raise Invalid(f"{where}[{i}].reasoningContent must set reasoningText or redactedContent")
    return blocks


def check_converse(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - CONVERSE_FIELDS)
    if unknown:
        raise Invalid(f"Unknown parameter in input: {unknown[0]!r}")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid(
            "A conversation must start with a user message. "
            "Try again with a conversation that starts with a user message."
        )
    previous: str | None = None
    open_uses: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise Invalid(f"messages.{i}.role must be user or assistant")
        role = m["role"]
        if i == 0 and role != "user":
            raise Invalid(
                "A conversation must start with a user message. "
                "Try again with a conversation that starts with a user message."
            )
        if role == previous:
            raise Invalid(
                "A conversation must alternate between user and assistant roles. "
                "Make sure the conversation alternates between user and assistant roles and try again."
            )
        previous = role
        blocks = _check_blocks(m.get("content"), f"messages.{i}.content", CONTENT_MEMBERS)
        answered = {b["toolResult"]["toolUseId"] for b in blocks if "toolResult" in b}
        if answered - open_uses:
            raise Invalid(
                f"messages.{i}: toolResult toolUseId {sorted(answered - open_uses)[0]!r} "
                "does not match a toolUse of the previous turn"
            )
        open_uses = {b["toolUse"]["toolUseId"] for b in blocks if "toolUse" in b}
    if "system" in body:
        _check_blocks(body["system"], "system", SYSTEM_MEMBERS)
    inference = body.get("inferenceConfig")
    if inference is not None:
        if not isinstance(inference, dict) or set(inference) - INFERENCE_FIELDS:
            raise Invalid("inferenceConfig takes maxTokens, temperature, topP and stopSequences only")
        max_tokens = inference.get("maxTokens")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise Invalid("inferenceConfig.maxTokens must be an integer of at least 1")
        temperature = inference.get("temperature")
        if temperature is not None and (
            not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1
        ):
            raise Invalid("inferenceConfig.temperature must be between 0 and 1")
    tool_config = body.get("toolConfig")
    if tool_config is not None:
        tools = tool_config.get("tools") if isinstance(tool_config, dict) else None
        if not isinstance(tools, list) or not tools:
            raise Invalid("toolConfig.tools must list at least one tool")
        for j, tool in enumerate(tools):
            if (
                not isinstance(tool, dict)
                or len(tool) != 1
                or next(iter(tool)) not in ("toolSpec", "cachePoint")
            ):
                raise Invalid(f"toolConfig.tools.{j} must set toolSpec or cachePoint")
            spec = tool.get("toolSpec")
            if spec is not None and (
                not spec.get("name") or not isinstance((spec.get("inputSchema") or {}).get("json"), dict)
            ):
                raise Invalid(f"toolConfig.tools.{j}.toolSpec needs name and inputSchema.json")
        choice = tool_config.get("toolChoice")
        if choice is not None and (
            not isinstance(choice, dict)
            or len(choice) != 1
            or next(iter(choice)) not in ("auto", "any", "tool")
        ):
            raise Invalid("toolConfig.toolChoice must set auto, any or tool")
