"""Offline counts against tiktoken (the reference), over the public API, sync and async.

The reference side is OpenAI's cookbook ("How to count tokens with tiktoken",
openai/openai-cookbook examples/How_to_count_tokens_with_tiktoken.ipynb): its
``num_tokens_from_messages`` and ``num_tokens_for_tools``, written out below on tiktoken's
encodings, so llmkit's tokenizer, framing and tool reconstruction are each held against it.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from tests.tokencount._corpus import FRAGMENTS, TOOLS, corpus

import llmkit
from llmkit.tokens import _bpe, count_offline, encoding_for
from llmkit.tokens._bpe import get_encoding

MODELS = [("openai/gpt-4o", "o200k_base"), ("openai/gpt-4", "cl100k_base")]


def cookbook_messages(enc: Any, messages: list[dict[str, Any]]) -> int:
    n = 0
    for m in messages:
        n += 3  # tokens_per_message
        for key in ("role", "content", "name"):
            if m.get(key):
                n += len(enc.encode(m[key], disallowed_special=()))
                if key == "name":
                    n += 1  # tokens_per_name
        for call in m.get("tool_calls", ()):  # llmkit's rule for a call: its name and arguments
            n += len(enc.encode(call["name"])) + len(enc.encode(call["arguments"], disallowed_special=()))
    return n + 3  # every reply is primed with <|start|>assistant<|message|>


def cookbook_tools(enc: Any, tools: list[dict[str, Any]], gpt4o: bool) -> int:
    func_init, prop_init, prop_key, enum_init, enum_item, func_end = (7 if gpt4o else 10), 3, 3, -3, 3, 12
    n = 0
    for f in tools:
        n += func_init
        desc = f["description"][:-1] if f["description"].endswith(".") else f["description"]
        n += len(enc.encode(f["name"] + ":" + desc))
        props = f["parameters"]["properties"]
        if props:
            n += prop_init
            for key, p in props.items():
                n += prop_key
                if "enum" in p:
                    n += enum_init
                    for item in p["enum"]:
                        n += enum_item + len(enc.encode(item))
                pdesc = p["description"][:-1] if p["description"].endswith(".") else p["description"]
                n += len(enc.encode(f"{key}:{p['type']}:{pdesc}"))
    return n + func_end


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_token_ids_equal_tiktokens_on_the_corpus(tiktoken: Any, encoding: str) -> None:
    ref, ours = tiktoken.get_encoding(encoding), get_encoding(encoding)
    texts = [m["content"] for m in corpus()] + FRAGMENTS + [json.dumps(t) for t in TOOLS]
    for text in texts:
        assert ours.encode(text) == ref.encode(text, disallowed_special=()), text
        assert ours.count(text) == len(ref.encode(text, disallowed_special=()))


@pytest.mark.parametrize(("model", "encoding"), MODELS)
def test_chat_count_equals_the_cookbook_on_tiktoken(tiktoken: Any, model: str, encoding: str) -> None:
    enc, msgs = tiktoken.get_encoding(encoding), corpus()
    plain = [m for m in msgs if "tool_calls" not in m and "tool_call_id" not in m]
    counted = llmkit.count_tokens(model, plain)
    assert counted == llmkit.TokenCount(cookbook_messages(enc, plain), True, f"offline:{encoding}")
    # With tools, tool calls and tool results: the same count, flagged as a reconstruction.
    counted = llmkit.count_tokens(model, msgs, tools=TOOLS)
    expected = cookbook_messages(enc, msgs) + cookbook_tools(enc, TOOLS, encoding == "o200k_base")
    assert counted.input_tokens == expected and not counted.exact
    assert counted.method == f"offline:{encoding} (approximate: tool calls, tool results, tools)"


def test_each_message_alone_equals_the_cookbook(tiktoken: Any) -> None:
    enc = tiktoken.get_encoding("o200k_base")
    for m in corpus():
        assert llmkit.count_tokens("openai/gpt-4o-mini", [m]).input_tokens == cookbook_messages(enc, [m])


def test_offline_counts_need_no_key_and_send_nothing(monkeypatch: pytest.MonkeyPatch, emu: Any) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    sync = llmkit.count_tokens("openai/gpt-4.1", "hello world")
    asynced = asyncio.run(llmkit.acount_tokens("openai/gpt-4.1", "hello world"))
    with llmkit.Client() as client:
        on_client = client.count_tokens("openai/gpt-4.1", "hello world")

    async def on_async_client() -> llmkit.TokenCount:
        async with llmkit.AsyncClient() as c:
            return await c.count_tokens("openai/gpt-4.1", "hello world")

    # 3 (message) + "user" + "hello world" (2) + 3 (priming)
    assert sync == asynced == on_client == asyncio.run(on_async_client())
    assert sync == llmkit.TokenCount(9, True, "offline:o200k_base")
    assert emu.requests == []


def test_a_misspelt_option_is_still_an_error() -> None:
    with pytest.raises(llmkit.ConfigurationError, match="does not take option"):
        llmkit.count_tokens("openai/gpt-4o", "hi", reasoning_efort="low")
    assert llmkit.count_tokens("openai/gpt-4o", "hi", reasoning_effort="low").exact


@pytest.mark.parametrize(
    "model",
    ["mistral/mistral-large-latest", "groq/llama-3.3-70b-versatile", "xai/grok-4", "deepseek/deepseek-chat"],
)
def test_other_models_get_an_estimate_never_called_exact(model: str, emu: Any) -> None:
    counted = llmkit.count_tokens(model, [{"role": "user", "content": "x" * 400}], api_key="k" * 12)
    assert counted.method == "estimate:chars/4" and not counted.exact
    assert 100 <= counted.input_tokens <= 110
    assert emu.requests == []


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5.1-codex", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini-2025-04-16", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("o10x", None),
        ("gpt-oss-120b", None),
        ("claude-sonnet-4-5", None),
    ],
)
def test_model_to_encoding(name: str, encoding: str | None, tiktoken: Any) -> None:
    assert encoding_for(name) == encoding
    if encoding is not None and "/" not in name and name not in ("gpt-5.1-codex",):
        assert tiktoken.encoding_name_for_model(name) == encoding


def test_without_regex_the_count_is_an_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_bpe, "have_regex", lambda: False)
    counted = count_offline("gpt-4o", llmkit._inputs.to_messages("hello"))
    assert counted.method == "estimate:chars/4" and not counted.exact


def test_a_damaged_vocabulary_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_bpe.SPECS, "o200k_base", _bpe._Spec(_bpe._O200K, "0" * 64))
    monkeypatch.setattr(_bpe, "_loaded", {})
    with pytest.raises(llmkit.LLMKitError, match="damaged"):
        get_encoding("o200k_base")


def test_unknown_encoding() -> None:
    with pytest.raises(llmkit.ConfigurationError, match="o200k_base"):
        get_encoding("p50k_base")


LONG = [
    "a" * 5000,
    "ab" * 3000,
    "=-" * 2000,
    "你好世界" * 500,
    "🎉" * 700,
    "x" * 65 + "y",
    "".join(random.Random(3).choice("abcdefghij'’") for _ in range(4000)),
    "".join(chr(random.Random(4).randint(0x4E00, 0x9FFF)) for _ in range(2000)),
]


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_long_pieces_merge_as_tiktoken_does(tiktoken: Any, encoding: str) -> None:
    ref, ours = tiktoken.get_encoding(encoding), get_encoding(encoding)
    for text in LONG:
        assert ours.encode(text) == ref.encode(text, disallowed_special=()), text[:40]


def test_the_heap_merge_equals_the_scan_on_short_pieces() -> None:
    enc, rng = get_encoding("o200k_base"), random.Random(15)
    alphabet = "aeiou xyzqwrtpsdfg'’é你🎉1"
    for _ in range(500):
        piece = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 120))).encode()
        assert _bpe._merge_long(piece, enc._ranks) == _bpe._merge_scan(piece, enc._ranks)


def test_the_catalogs_tokenizer_is_used_where_it_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    fake = types.ModuleType("llmkit.catalog")
    named = {"azure/my-deployment": "cl100k_base", "openai/gpt-4o": "cl100k_base", "x/y": "p50k_base"}
    fake.model_info = lambda m: types.SimpleNamespace(tokenizer=named.get(m))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llmkit.catalog", fake)
    assert encoding_for("my-deployment", "azure") == "cl100k_base"
    assert encoding_for("gpt-4o", "openai") == "cl100k_base"  # the catalog wins over the table
    assert encoding_for("y", "x") is None  # an encoding llmkit does not ship: the table decides
    assert encoding_for("gpt-4.1", "openai") == "o200k_base"  # not listed: the table
    assert encoding_for("gpt-oss-20b", "openai") is None


def test_the_table_agrees_with_the_catalog_on_every_model_it_names() -> None:
    from llmkit.catalog import models

    named = [(i.name, i.tokenizer) for i in models() if i.tokenizer]
    assert len(named) > 150
    assert [(name, tok) for name, tok in named if encoding_for(name.split("/", 1)[1]) != tok] == []
