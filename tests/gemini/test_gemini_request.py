"""Pure request-building tests: llmkit requests → literal Gemini bodies and URLs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.gemini import DIALECT, SafetySetting
from llmkit.errors import ConfigurationError, NotSupportedError
from llmkit.types import (
    DocumentPart,
    ImagePart,
    Message,
    ReasoningPart,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCall,
)

CtxFactory = Callable[..., CallContext]

WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def body_of(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    http = DIALECT.build_chat(req, ctx)
    assert http.body is not None
    decoded: dict[str, Any] = json.loads(http.body)
    assert decoded == http.json
    return decoded


def test_minimal_body_and_url(ai_ctx: CallContext) -> None:
    req = ChatRequest("gemini-2.5-flash", [Message("system", "Be brief."), Message("user", "Hi")])
    http = DIALECT.build_chat(req, ai_ctx)
    assert http.method == "POST"
    assert (
        http.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    )
    assert "key=" not in http.url
    assert http.headers["content-type"] == "application/json"
    assert http.json == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
    }


def test_stream_url_uses_sse(ai_ctx: CallContext) -> None:
    req = ChatRequest("gemini-2.5-flash", [Message("user", "Hi")], stream=True)
    http = DIALECT.build_chat(req, ai_ctx)
    assert http.url.endswith("/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
    assert "stream" not in (http.json or {})


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("us-central1", "https://us-central1-aiplatform.googleapis.com"),
        ("europe-west4", "https://europe-west4-aiplatform.googleapis.com"),
        ("global", "https://aiplatform.googleapis.com"),
        ("us", "https://aiplatform.us.rep.googleapis.com"),
    ],
)
def test_vertex_urls(vertex_ctx: CtxFactory, location: str, host: str) -> None:
    ctx = vertex_ctx(location=location)
    http = DIALECT.build_chat(ChatRequest("gemini-2.5-pro", [Message("user", "Hi")]), ctx)
    assert http.url == (
        f"{host}/v1/projects/my-proj/locations/{location}/publishers/google/models/gemini-2.5-pro:generateContent"
    )


def test_vertex_host_alias_keeps_a_custom_base(vertex_ctx: CtxFactory) -> None:
    ctx = vertex_ctx(location="global")
    ctx.base_url = "http://127.0.0.1:8123/v1/projects/p/locations/global"
    http = DIALECT.build_chat(ChatRequest("m", [Message("user", "Hi")], stream=True), ctx)
    assert http.url == (
        "http://127.0.0.1:8123/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    )


def test_roles_images_documents(ai_ctx: CallContext) -> None:
    msgs = [
        Message(
            "user",
            (
                TextPart("What is in these?"),
                ImagePart(data="aGVsbG8=", media_type="image/png"),
                ImagePart(url="data:image/jpeg;base64,/9j/4AAQ"),
                ImagePart(url="gs://bucket/cat.webp"),
                DocumentPart(url="https://example.com/paper.pdf"),
                DocumentPart(data="JVBERi0=", media_type="application/pdf"),
            ),
        ),
        Message("assistant", "A cat and a paper."),
        Message("user", "Thanks"),
    ]
    body = body_of(ChatRequest("m", msgs), ai_ctx)
    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "What is in these?"},
                {"inlineData": {"mimeType": "image/png", "data": "aGVsbG8="}},
                {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}},
                {"fileData": {"fileUri": "gs://bucket/cat.webp", "mimeType": "image/webp"}},
                {"fileData": {"fileUri": "https://example.com/paper.pdf", "mimeType": "application/pdf"}},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
            ],
        },
        {"role": "model", "parts": [{"text": "A cat and a paper."}]},
        {"role": "user", "parts": [{"text": "Thanks"}]},
    ]


def test_inline_image_without_media_type_is_refused(ai_ctx: CallContext) -> None:
    msgs = [Message("user", (ImagePart(data="aGVsbG8="),))]
    with pytest.raises(ConfigurationError, match="media_type"):
        DIALECT.build_chat(ChatRequest("m", msgs), ai_ctx)


def test_tools_parallel_calls_and_results(ai_ctx: CallContext) -> None:
    msgs = [
        Message("user", "Weather in Paris and Rome?"),
        Message(
            "assistant",
            "",
            tool_calls=(
                ToolCall("gcall_aaa", "get_weather", {"city": "Paris"}),
                ToolCall("gcall_bbb", "get_weather", {"city": "Rome"}),
            ),
        ),
        Message("tool", '{"temp_c": 21}', tool_call_id="gcall_aaa"),
        Message("tool", "sunny", tool_call_id="gcall_bbb"),
    ]
    req = ChatRequest("m", msgs, tools=[WEATHER], tool_choice="auto")
    body = body_of(req, ai_ctx)
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather for a city",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"city": {"type": "STRING"}},
                        "required": ["city"],
                    },
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert body["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}},
                {"functionResponse": {"name": "get_weather", "response": {"result": "sunny"}}},
            ],
        },
    ]


def test_provider_given_call_ids_are_echoed(ai_ctx: CallContext) -> None:
    msgs = [
        Message("user", "x"),
        Message("assistant", "", tool_calls=(ToolCall("abc123", "f", {}),)),
        Message("tool", "[1, 2]", tool_call_id="abc123"),
    ]
    body = body_of(ChatRequest("m", msgs), ai_ctx)
    assert body["contents"][1]["parts"] == [{"functionCall": {"name": "f", "args": {}, "id": "abc123"}}]
    assert body["contents"][2]["parts"] == [
        {"functionResponse": {"name": "f", "response": {"result": [1, 2]}, "id": "abc123"}}
    ]


def test_tool_result_without_known_call_needs_a_name(ai_ctx: CallContext) -> None:
    msgs = [Message("user", "x"), Message("tool", "1", tool_call_id="nope")]
    with pytest.raises(ConfigurationError, match="function name"):
        DIALECT.build_chat(ChatRequest("m", msgs), ai_ctx)
    named = [Message("user", "x"), Message("tool", "1", tool_call_id="nope", name="f")]
    body = body_of(ChatRequest("m", named), ai_ctx)
    assert body["contents"][-1]["parts"][-1]["functionResponse"]["name"] == "f"


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (ForcedTool("get_weather"), {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
    ],
)
def test_tool_choice(ai_ctx: CallContext, choice: str | ForcedTool, config: dict[str, Any]) -> None:
    body = body_of(ChatRequest("m", [Message("user", "x")], tools=[WEATHER], tool_choice=choice), ai_ctx)
    assert body["toolConfig"] == {"functionCallingConfig": config}


def test_tool_without_parameters_omits_them(ai_ctx: CallContext) -> None:
    body = body_of(ChatRequest("m", [Message("user", "x")], tools=[Tool("now", "the time")]), ai_ctx)
    assert body["tools"] == [{"functionDeclarations": [{"name": "now", "description": "the time"}]}]


def test_thought_signatures_round_trip(ai_ctx: CallContext) -> None:
    assistant = Message(
        "assistant",
        (
            ReasoningPart("Let me think.", signature="sig-thought"),
            ReasoningPart("", signature="sig-text"),
            TextPart("Calling the tool."),
            ReasoningPart("", signature="sig-call"),
        ),
        tool_calls=(ToolCall("gcall_1", "f", {"a": 1}), ToolCall("gcall_2", "f", {"a": 2})),
    )
    body = body_of(ChatRequest("m", [Message("user", "x"), assistant]), ai_ctx)
    assert body["contents"][1]["parts"] == [
        {"text": "Let me think.", "thought": True, "thoughtSignature": "sig-thought"},
        {"text": "Calling the tool.", "thoughtSignature": "sig-text"},
        {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "sig-call"},
        {"functionCall": {"name": "f", "args": {"a": 2}}},
    ]


def test_generation_config_thinking_safety(ai_ctx: CallContext) -> None:
    req = ChatRequest(
        "m",
        [Message("user", "x")],
        temperature=0.2,
        max_tokens=100,
        stop=["END"],
        options={
            "top_p": 0.9,
            "top_k": 40,
            "seed": 7,
            "thinking_budget": 1024,
            "include_thoughts": True,
            "safety_settings": [
                SafetySetting("HARM_CATEGORY_HARASSMENT", "BLOCK_ONLY_HIGH"),
                {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"},
            ],
            "cached_content": "cachedContents/abc",
        },
    )
    body = body_of(req, ai_ctx)
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "maxOutputTokens": 100,
        "stopSequences": ["END"],
        "topP": 0.9,
        "topK": 40,
        "seed": 7,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
    }
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"},
        {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"},
    ]
    assert body["cachedContent"] == "cachedContents/abc"


def test_safety_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="harm category"):
        SafetySetting("HARM_CATEGORY_NOPE", "BLOCK_NONE")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="threshold"):
        SafetySetting("HARM_CATEGORY_HARASSMENT", "BLOCK_SOME")  # type: ignore[arg-type]


def test_thinking_level_from_reasoning_effort(ai_ctx: CallContext) -> None:
    req = ChatRequest("gemini-3-pro-preview", [Message("user", "x")], options={"reasoning_effort": "low"})
    assert body_of(req, ai_ctx)["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "LOW"}}
    # Gemini 2.x takes a budget, not a level.
    req = ChatRequest("gemini-2.5-flash", [Message("user", "x")], options={"reasoning_effort": "high"})
    assert body_of(req, ai_ctx)["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 24576}}
    with pytest.raises(ConfigurationError, match="thinking level"):
        body_of(ChatRequest("m", [Message("user", "x")], options={"thinking_level": "extreme"}), ai_ctx)


def test_structured_output_schema(ai_ctx: CallContext) -> None:
    schema = {
        "$defs": {"Step": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "t"},
            "steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}, "minItems": 1},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "kind": {"enum": ["a", "b"]},
            "flag": {"type": ["boolean", "null"]},
        },
        "required": ["title", "steps"],
        "additionalProperties": False,
    }
    req = ChatRequest("m", [Message("user", "x")], response_format=ResponseFormat("json_schema", schema))
    cfg = body_of(req, ai_ctx)["generationConfig"]
    assert cfg["responseMimeType"] == "application/json"
    assert cfg["responseSchema"] == {
        "type": "OBJECT",
        "properties": {
            "title": {"type": "STRING", "description": "t"},
            "steps": {
                "type": "ARRAY",
                "minItems": 1,
                "items": {"type": "OBJECT", "properties": {"n": {"type": "INTEGER"}}, "required": ["n"]},
            },
            "note": {"type": "STRING", "default": None, "nullable": True},
            "kind": {"type": "STRING", "enum": ["a", "b"]},
            "flag": {"type": "BOOLEAN", "nullable": True},
        },
        "required": ["title", "steps"],
    }


def test_json_object_mode_and_raw_json_schema(ai_ctx: CallContext) -> None:
    body = body_of(
        ChatRequest("m", [Message("user", "x")], response_format=ResponseFormat("json_object")), ai_ctx
    )
    assert body["generationConfig"] == {"responseMimeType": "application/json"}
    schema = {
        "type": "object",
        "properties": {"m": {"type": "object", "additionalProperties": {"type": "number"}}},
    }
    req = ChatRequest(
        "m",
        [Message("user", "x")],
        response_format=ResponseFormat("json_schema", schema),
        options={"gemini_json_schema": True},
    )
    assert body_of(req, ai_ctx)["generationConfig"]["responseJsonSchema"] == schema


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "object", "additionalProperties": {"type": "number"}}, "additionalProperties"),
        (
            {
                "$defs": {"N": {"type": "object", "properties": {"k": {"$ref": "#/$defs/N"}}}},
                "$ref": "#/$defs/N",
            },
            "recursive",
        ),
        ({"allOf": [{"type": "string"}, {"minLength": 1}]}, "allOf"),
        ({"type": "integer", "enum": [1, 2]}, "non-string"),
        ({"not": {"type": "string"}}, "'not'"),
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "prefixItems"),
    ],
)
def test_unexpressible_schemas_raise(ai_ctx: CallContext, schema: dict[str, Any], match: str) -> None:
    req = ChatRequest("m", [Message("user", "x")], response_format=ResponseFormat("json_schema", schema))
    with pytest.raises(NotSupportedError, match=match):
        DIALECT.build_chat(req, ai_ctx)


def test_labels_only_on_vertex(ai_ctx: CallContext, vertex_ctx: CtxFactory) -> None:
    req = ChatRequest("m", [Message("user", "x")], options={"labels": {"team": "a"}})
    with pytest.raises(NotSupportedError, match="labels"):
        DIALECT.build_chat(req, ai_ctx)
    assert body_of(req, vertex_ctx())["labels"] == {"team": "a"}


def test_extra_body_deep_merges(ai_ctx: CallContext) -> None:
    req = ChatRequest(
        "m",
        [Message("user", "x")],
        temperature=0.5,
        extra_body={"generationConfig": {"responseLogprobs": True}, "tools": [{"googleSearch": {}}]},
    )
    body = body_of(req, ai_ctx)
    assert body["generationConfig"] == {"temperature": 0.5, "responseLogprobs": True}
    assert body["tools"] == [{"googleSearch": {}}]


def test_count_tokens_bodies(ai_ctx: CallContext, vertex_ctx: CtxFactory) -> None:
    req = ChatRequest("m", [Message("system", "S"), Message("user", "x")], tools=[WEATHER])
    http = DIALECT.build_count_tokens(req, ai_ctx)
    assert http is not None
    assert http.url.endswith("/v1beta/models/gemini-2.5-flash:countTokens")
    inner = http.json["generateContentRequest"]
    assert inner["model"] == "models/gemini-2.5-flash"
    assert inner["contents"] == [{"role": "user", "parts": [{"text": "x"}]}]
    assert inner["systemInstruction"] == {"parts": [{"text": "S"}]}
    assert "tools" in inner
    vhttp = DIALECT.build_count_tokens(req, vertex_ctx())
    assert vhttp is not None
    assert vhttp.url.endswith("/publishers/google/models/gemini-2.5-pro:countTokens")
    assert set(vhttp.json) == {"contents", "systemInstruction", "tools"}


def test_embed_bodies(ai_ctx: CallContext, vertex_ctx: CtxFactory) -> None:
    one = DIALECT.build_embed(
        EmbedRequest("e", ["hello"], dimensions=256, options={"task_type": "RETRIEVAL_QUERY"}), ai_ctx
    )
    assert one.url.endswith("/models/gemini-2.5-flash:embedContent")
    assert one.json == {
        "content": {"parts": [{"text": "hello"}]},
        "outputDimensionality": 256,
        "taskType": "RETRIEVAL_QUERY",
    }
    many = DIALECT.build_embed(EmbedRequest("e", ["a", "b"]), ai_ctx)
    assert many.url.endswith(":batchEmbedContents")
    assert many.json == {
        "requests": [
            {"model": "models/gemini-2.5-flash", "content": {"parts": [{"text": "a"}]}},
            {"model": "models/gemini-2.5-flash", "content": {"parts": [{"text": "b"}]}},
        ]
    }
    vmany = DIALECT.build_embed(EmbedRequest("e", ["a", "b"]), vertex_ctx(model="gemini-embedding-001"))
    assert vmany.json["requests"][0]["model"] == (
        "projects/my-proj/locations/us-central1/publishers/google/models/gemini-embedding-001"
    )
    with pytest.raises(ConfigurationError, match="task type"):
        DIALECT.build_embed(EmbedRequest("e", ["a"], options={"task_type": "NOPE"}), ai_ctx)
