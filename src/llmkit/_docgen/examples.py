"""A runnable example per capability, generated for a provider from its name and models.

Every example reads its key and address from the environment, as a user's program would, so the
test suite runs each one against the emulator by setting the variables the page documents
(``tests/docs/test_generated_pages.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Capability -> (heading, which model kind it uses, the code; {model} is "provider/model").
_CHAT = """import llmkit

reply = llmkit.complete("{model}", "Say hello in one word.")
print(reply.text, reply.usage.input_tokens, reply.usage.output_tokens, reply.finish_reason)
"""
_STREAM = """import llmkit

with llmkit.stream("{model}", "Count to five.") as stream:
    for text in stream.text_stream():
        print(text, end="", flush=True)
print()
print(stream.completion.usage.total_tokens, "tokens")  # the whole answer, accumulated
"""
_TOOLS = '''import llmkit


def get_weather(city: str) -> str:
    """Get the current weather in a city.

    Args:
        city: The city name.
    """
    return f"18 degrees and sunny in {{city}}"


messages: list = [{{"role": "user", "content": "What is the weather in Lisbon?"}}]
reply = llmkit.complete("{model}", messages, tools=[get_weather])
for _ in range(3):  # the tool-result loop: run what the model asks for, send the results back
    if not reply.tool_calls:
        break
    messages.append(reply.message)
    for call in reply.tool_calls:
        messages.append({{"role": "tool", "tool_call_id": call.id, "content": get_weather(**call.arguments)}})
    reply = llmkit.complete("{model}", messages, tools=[get_weather])
print(reply.text)
'''
_VISION = """import base64

import llmkit

# A 1x1 PNG; any image URL or data: URL works the same way.
png = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)).decode()
reply = llmkit.complete("{model}", [{{"role": "user", "content": [
    {{"type": "text", "text": "What is in this image?"}},
    {{"type": "image_url", "image_url": {{"url": f"data:image/png;base64,{{png}}"}}}},
]}}])
print(reply.text)
"""
_JSON = """import llmkit

schema = {{
    "type": "object",
    "properties": {{"city": {{"type": "string"}}, "population": {{"type": "integer"}}}},
    "required": ["city", "population"],
    "additionalProperties": False,
}}
reply = llmkit.complete("{model}", "The largest city in Portugal?", response_format=schema)
print(reply.parsed)  # a dict that matches the schema
"""
_REASONING = """import llmkit

reply = llmkit.complete("{model}", "What is 6 x 7? Think it through.")
print(reply.reasoning)  # the model's reasoning, where the provider returns it
print(reply.text)
"""
_EMBED = """import llmkit

result = llmkit.embed("{model}", ["hello world", "bonjour le monde"])
print(len(result.vectors), "vectors of", len(result.vectors[0]), "floats")
"""
_IMAGES = """import llmkit

out = llmkit.generate_image("{model}", "a red fox in the snow")
print(len(out.images), "image(s)")
# out.images[0].save("fox.png") writes it to a file
"""
_RERANK = """import llmkit

docs = ["Lisbon is the capital of Portugal.", "Paris is the capital of France."]
ranking = llmkit.rerank("{model}", "What is the capital of France?", docs)
for result in ranking.results:
    print(result.index, result.relevance_score)
"""
_COUNT = """import llmkit

count = llmkit.count_tokens("{model}", "How many tokens is this?")
print(count.input_tokens, "exact" if count.exact else "estimated")
"""

# In the order the pages show them; the model kind picks the notes' model of that kind.
TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("chat", "Chat", "chat", _CHAT),
    ("stream", "Streaming", "chat", _STREAM),
    ("tools", "Tools (the full tool-result loop)", "chat", _TOOLS),
    ("vision", "Images in messages (vision)", "vision", _VISION),
    ("json_schema", "Structured output (JSON schema)", "chat", _JSON),
    ("reasoning", "Reasoning", "reasoning", _REASONING),
    ("embeddings", "Embeddings", "embeddings", _EMBED),
    ("images", "Image generation", "images", _IMAGES),
    ("rerank", "Rerank", "rerank", _RERANK),
    ("count_tokens", "Counting tokens", "chat", _COUNT),
)
# The capabilities the pages' table shows, in order (json_object beside json_schema).
SHOWN = ("chat", "stream", "tools", "vision", "json_schema", "json_object", "reasoning",
         "embeddings", "images", "rerank", "count_tokens")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Example:
    capability: str
    title: str
    model: str  # "provider/model" as the code names it
    code: str


def model_for(kind: str, models: Mapping[str, str]) -> str:
    """The model of ``kind`` (``chat``, ``embeddings``, ...): its own entry, else the chat one."""
    if kind in models:
        return models[kind]
    return models.get("chat", "")


def examples(name: str, capabilities: frozenset[str], models: Mapping[str, str]) -> list[Example]:
    out = []
    for capability, title, kind, template in TEMPLATES:
        if capability not in capabilities:
            continue
        model = f"{name}/{model_for(kind, models)}"
        out.append(Example(capability, title, model, template.format(model=model)))
    return out
