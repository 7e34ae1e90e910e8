"""A fixed corpus of 200 chat messages with tools, generated deterministically: many scripts,
emoji (with ZWJ sequences and skin tones), code, numbers, whitespace runs, contractions, names,
tool calls and tool results, plus text that looks like special tokens."""

from __future__ import annotations

import json
import random
from typing import Any

FRAGMENTS = [
    "Hello, world!",
    "I'm sure they'll say it's fine; we've DONE it, THEY'RE done.",
    "Привет, как дела? Всё хорошо.",
    "你好，世界。今天天气很好！",
    "こんにちは、世界。カタカナとひらがな。",
    "안녕하세요 세계",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "Γειά σου Κόσμε",
    "สวัสดีชาวโลก",
    "Ṫḧïṡ ḧäṡ çöṁḃïṅïṅġ ṁäṙḳṡ",
    "🎉🚀👨‍👩‍👧‍👦👍🏽🏳️‍🌈",
    "def fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "for (let i = 0; i < 10; i++) {\n\tconsole.log(`i=${i}`);\n}",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "1234567890 3.14159 -42 1e10 0x1F",
    "   leading and trailing   ",
    "\n\n\nnew\r\nlines\r\n",
    "path/to/file.txt and https://example.com/a?b=c&d=e",
    "<|endoftext|> and <|im_start|> are plain text here",
    "naïve café résumé façade",
    '{"key": [1, 2, {"nested": true}]}',
    "tabs\tand\tmore\ttabs",
    "MiXeD CaSe WoRdS aNd ALLCAPS",
]
NAMES = ["alice", "Bob_2", "example_user", "Анна", "data-bot"]
TOOLS = [
    {
        "name": "get_weather",
        "description": "Get the current weather in a given location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "description": "The unit.", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
    {
        "name": "search_docs",
        "description": "Search the documentation",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "Words to find"}},
        },
    },
    {"name": "ping", "description": "Check the service.", "parameters": {"type": "object", "properties": {}}},
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 4)))


def corpus(n: int = 200, seed: int = 15) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = [{"role": "system", "content": "You are helpful. Réponds briefly."}]
    while len(out) < n:
        kind = rng.random()
        if kind < 0.45:
            m: dict[str, Any] = {"role": "user", "content": _text(rng)}
            if rng.random() < 0.3:
                m["name"] = rng.choice(NAMES)
            out.append(m)
        elif kind < 0.75:
            out.append({"role": "assistant", "content": _text(rng)})
        else:
            call_id = f"call_{len(out)}"
            args = {"location": rng.choice(FRAGMENTS)[:30], "unit": rng.choice(["celsius", "fahrenheit"])}
            out.append(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [{"id": call_id, "name": "get_weather", "arguments": json.dumps(args)}],
                }
            )
            out.append({"role": "tool", "tool_call_id": call_id, "content": _text(rng)})
    return out[:n]
