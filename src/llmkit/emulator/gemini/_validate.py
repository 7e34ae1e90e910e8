"""What a generateContent request may hold, after its field names are brought to lowerCamelCase."""

from __future__ import annotations

import itertools
import re
from typing import Any

REQUEST_FIELDS = frozenset(
    {
        "model",
        "contents",
        "systemInstruction",
        "tools",
        "toolConfig",
        "safetySettings",
        "generationConfig",
        "cachedContent",
    }
)
VERTEX_ONLY_FIELDS = frozenset({"labels", "modelArmorConfig"})
GENERATION_FIELDS = frozenset(
    {
        "candidateCount",
        "stopSequences",
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "seed",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "presencePenalty",
        "frequencyPenalty",
        "responseLogprobs",
        "logprobs",
        "enableEnhancedCivicAnswers",
        "responseModalities",
        "speechConfig",
        "thinkingConfig",
        "imageConfig",
        "mediaResolution",
    }
)
THINKING_FIELDS = frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"})
PART_DATA = (
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
)
PART_EXTRA = frozenset({"thought", "thoughtSignature", "videoMetadata", "partMetadata", "mediaResolution"})
HARM_CATEGORIES = frozenset(
    {
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
        "HARM_CATEGORY_IMAGE_HATE",
        "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
        "HARM_CATEGORY_IMAGE_HARASSMENT",
        "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_JAILBREAK",
    }
)
THRESHOLDS = frozenset(
    {"BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF"}
)
SCHEMA_TYPES = frozenset({"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"})


class Invalid(Exception):
    pass


# Values that are free-form JSON (google.protobuf.Struct / Value) or user-named maps: their keys are data.
_OPAQUE = frozenset(
    {"args", "response", "parametersJsonSchema", "responseJsonSchema", "example", "default", "labels"}
)


def camel_keys(value: Any, opaque: bool = False) -> Any:
    """Proto3 JSON parsers take a field's original snake_case name as well as its lowerCamelCase
    JSON name (Google's SDKs send some of each); bring every field name to lowerCamelCase."""
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    if not isinstance(value, dict) or opaque:
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        head, *rest = key.split("_")
        name = head + "".join(w[:1].upper() + w[1:] for w in rest) if rest and head else key
        if name == "properties" and isinstance(item, dict):
            out[name] = {k: camel_keys(v) for k, v in item.items()}
        else:
            out[name] = camel_keys(item, name in _OPAQUE)
    return out


def _check_schema(schema: Any, where: str) -> None:
    if not isinstance(schema, dict):
        raise Invalid(f"{where}: a Schema must be an object")
    allowed = {
        "type", "format", "title", "description", "nullable", "enum", "items", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minimum", "maximum", "minLength",
        "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default",
    }  # fmt: skip
    for key in schema:
        if key not in allowed:
            raise Invalid(
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
            )
    kind = schema.get("type")
    if kind is not None and str(kind).upper() not in SCHEMA_TYPES:
        raise Invalid(f"{where}.type: invalid value {kind!r}")
    for name, sub in (schema.get("properties") or {}).items():
        _check_schema(sub, f"{where}.properties[{name}]")
    if "items" in schema:
        _check_schema(schema["items"], f"{where}.items")
    for i, sub in enumerate(schema.get("anyOf") or ()):
        _check_schema(sub, f"{where}.anyOf[{i}]")
    if str(kind).upper() == "OBJECT" and "properties" in schema and not schema["properties"]:
        raise Invalid(f"{where}.properties: should be non-empty for OBJECT type")


def check_content(content: Any, where: str, vertex: bool, system: bool = False) -> None:
    if not isinstance(content, dict):
        raise Invalid(f"{where} must be a Content object")
    role = content.get("role")
    if not system:
        if role is None and vertex:
            raise Invalid(f"Please use a valid role: user, model. ({where}.role is missing)")
        if role not in (None, "user", "model"):
            raise Invalid(f"Please use a valid role: user, model. ({where}.role={role!r})")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        raise Invalid(f"{where}.parts: must contain at least one part")
    for i, part in enumerate(parts):
        pw = f"{where}.parts[{i}]"
        if not isinstance(part, dict):
            raise Invalid(f"{pw} must be an object")
        data = [k for k in PART_DATA if k in part]
        unknown = [k for k in part if k not in PART_DATA and k not in PART_EXTRA]
        if unknown:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at '{pw}'")
        if len(data) != 1 and not (data == [] and "thoughtSignature" in part):
            raise Invalid(f"{pw}: a part must hold exactly one of {', '.join(PART_DATA)} (got {data})")
        if "inlineData" in part:
            blob = part["inlineData"]
            if not isinstance(blob, dict) or not blob.get("mimeType") or "data" not in blob:
                raise Invalid(f"{pw}.inlineData needs mimeType and data")
        if "fileData" in part and not (part["fileData"] or {}).get("fileUri"):
            raise Invalid(f"{pw}.fileData.fileUri is required")
        if "functionCall" in part:
            fc = part["functionCall"]
            if role == "user" or not fc.get("name") or not isinstance(fc.get("args", {}), dict):
                raise Invalid(f"{pw}.functionCall needs a name and object args, in a model turn")
        if "functionResponse" in part:
            fr = part["functionResponse"]
            if role == "model" or not fr.get("name") or not isinstance(fr.get("response"), dict):
                raise Invalid(f"{pw}.functionResponse needs a name and an object response, in a user turn")


def check_known_fields(obj: dict[str, Any], allowed: frozenset[str] | set[str]) -> None:
    for key in obj:
        if key not in allowed:
            raise Invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')


def check_generate(body: dict[str, Any], vertex: bool) -> None:
    allowed = REQUEST_FIELDS | (VERTEX_ONLY_FIELDS if vertex else frozenset())
    check_known_fields(body, allowed)
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Invalid("* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(contents):
        check_content(content, f"contents[{i}]", vertex)
    # Each function-response turn must answer every call of the model turn before it.
    for prev, cur in itertools.pairwise(contents):
        calls = sum(1 for p in prev.get("parts", ()) if "functionCall" in p)
        answers = sum(1 for p in cur.get("parts", ()) if "functionResponse" in p)
        if answers and answers != calls:
            raise Invalid(
                "Please ensure that the number of function response parts is equal to the number of "
                "function call parts of the function call turn."
            )
    if "systemInstruction" in body:
        check_content(body["systemInstruction"], "systemInstruction", vertex, system=True)
    declared: set[str] = set()
    for i, tool in enumerate(body.get("tools") or ()):
        for j, decl in enumerate(tool.get("functionDeclarations") or ()):
            where = f"tools[{i}].functionDeclarations[{j}]"
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}", str(decl.get("name", ""))):
                raise Invalid(f"{where}.name: invalid function name")
            if "parameters" in decl and "parametersJsonSchema" in decl:
                raise Invalid(f"{where}: set parameters or parametersJsonSchema, not both")
            if "parameters" in decl:
                _check_schema(decl["parameters"], f"{where}.parameters")
            declared.add(decl["name"])
    mode_cfg = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    if mode_cfg.get("mode") not in (None, "AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED"):
        raise Invalid(f"toolConfig.functionCallingConfig.mode: invalid value {mode_cfg.get('mode')!r}")
    for name in mode_cfg.get("allowedFunctionNames") or ():
        if name not in declared:
            raise Invalid(f"allowedFunctionNames: {name!r} is not a declared function")
    for i, setting in enumerate(body.get("safetySettings") or ()):
        if setting.get("category") not in HARM_CATEGORIES or setting.get("threshold") not in THRESHOLDS:
            raise Invalid(f"safetySettings[{i}]: invalid category or threshold")
    config = body.get("generationConfig") or {}
    for key in config:
        if key not in GENERATION_FIELDS:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at 'generation_config'")
    for key in config.get("thinkingConfig") or {}:
        if key not in THINKING_FIELDS:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at 'thinking_config'")
    if "responseSchema" in config:
        if "responseJsonSchema" in config:
            raise Invalid("generationConfig: responseSchema and responseJsonSchema are mutually exclusive")
        _check_schema(config["responseSchema"], "generationConfig.responseSchema")
    if ("responseSchema" in config or "responseJsonSchema" in config) and config.get(
        "responseMimeType"
    ) != "application/json":
        raise Invalid("generationConfig.responseMimeType must be application/json when a schema is set")
    temp = config.get("temperature")
    if temp is not None and not (isinstance(temp, (int, float)) and 0 <= temp <= 2):
        raise Invalid("generationConfig.temperature must be between 0 and 2")
