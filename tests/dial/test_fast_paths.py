"""The dial slice's shortcuts against the general code they skip: same value or same error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import pytest

from llmkit._urls import model_segment
from llmkit.dialects._errors import count
from llmkit.dialects.anthropic import _response as anthropic_response
from llmkit.dialects.cohere import _chat as cohere_chat
from llmkit.dialects.gemini import _response as gemini_response
from llmkit.errors import ConfigurationError, ResponseDecodeError
from llmkit.types import Usage

VALUES: list[Any] = [0, 1, 7, 10**20, -1, True, False, None, 1.0, 2.5, -3.0, "12", "x", "", [], {}]


def _outcome(fn: Any, *args: Any, **kw: Any) -> tuple[str, Any]:
    try:
        got = fn(*args, **kw)
    except (ResponseDecodeError, ConfigurationError) as exc:
        return "error", (type(exc), str(exc))
    return "value", (type(got), got)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_anthropic_int_is_count(value: Any) -> None:
    assert _outcome(anthropic_response._int, value, "n") == _outcome(count, value, "n")


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_cohere_whole_keeps_its_rules(value: Any) -> None:
    want = (
        ("value", (int, int(value)))
        if type(value) is float and value.is_integer() and value >= 0
        else _outcome(count, value, "n")
    )
    assert _outcome(cohere_chat._whole, value, "n") == want


def _gemini_usage_general(meta: dict[str, Any]) -> Usage:
    def n(key: str) -> int:
        return count(meta.get(key), f"usageMetadata.{key}", digits=True)

    prompt = n("promptTokenCount") + n("toolUsePromptTokenCount")
    thoughts = n("thoughtsTokenCount")
    output = n("candidatesTokenCount") + thoughts
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=n("totalTokenCount") or prompt + output,
        cached_input_tokens=n("cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("key", ["promptTokenCount", "candidatesTokenCount", "totalTokenCount"])
def test_gemini_usage_is_the_general_reading(key: str, value: Any) -> None:
    meta = {"promptTokenCount": 5, "candidatesTokenCount": 3, "thoughtsTokenCount": "2", key: value}
    assert _outcome(gemini_response.usage_of, meta) == _outcome(_gemini_usage_general, meta)


@pytest.mark.parametrize(
    "model", ["gemini-2.5-flash", "a/b?c#d", "tuned models/x", "caf\u00e9", "%2e", "", ".", "..", "x@001"]
)
def test_model_segment_cache_is_the_encoding_rule(model: str) -> None:
    for _ in range(2):  # the second read comes from the cache (_urls caches the encoding)
        assert _outcome(model_segment, model, "gemini") == _outcome(_segment_rule, model, "gemini")


def _segment_rule(model: str, provider: str) -> str:
    """model_segment's rule without its cache: dot and empty names refused, the rest quoted."""
    if model in ("", ".", ".."):
        raise ConfigurationError(
            f"{provider}: {model!r} is not a model name (it would be an empty or dot path segment)"
        )
    return quote(model, safe="")


class _Frozen(Mapping[str, Any]):
    def __init__(self, d: dict[str, Any]) -> None:
        self._d = d

    def __getitem__(self, key: str) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:  # a stable test id: pytest-xdist workers must collect the same names
        return f"_Frozen({self._d!r})"


class _SubDict(dict[str, Any]):
    pass


MAPPINGS: list[Any] = [{}, {"a": 1}, _SubDict(a=1), MappingProxyType({"a": 1}), _Frozen({"a": 1})]


@pytest.mark.parametrize("value", [*MAPPINGS, None, [], "x", 0, (), set()], ids=repr)
def test_anthropic_mapping_is_isinstance(value: Any) -> None:
    assert anthropic_response._mapping(value) is isinstance(value, Mapping)


@pytest.mark.parametrize("wrap", [dict, _SubDict, MappingProxyType, _Frozen], ids=lambda w: w.__name__)
def test_anthropic_answer_from_any_mapping(wrap: Any) -> None:
    body = {
        "id": "msg_1",
        "model": "claude-x",
        "content": [{"type": "text", "text": "hi"}],
        "stop_reason": "refusal",
        "stop_details": wrap({"explanation": "no"}),
        "usage": wrap(
            {
                "input_tokens": 3,
                "output_tokens": 2,
                "cache_creation": wrap({"ephemeral_1h_input_tokens": 1}),
                "output_tokens_details": wrap({"thinking_tokens": 1}),
            }
        ),
    }
    got = anthropic_response.completion_from(wrap(body), "m", "anthropic")
    assert (got.text, got.refusal, got.usage.reasoning_tokens, got.usage.cache_write_1h_tokens) == (
        "hi",
        "no",
        1,
        1,
    )


def _flow_result(auth: Any, request: Any) -> Any:
    flow = auth.auth_flow(request)
    try:
        next(flow)
    except StopIteration as done:
        return done.value
    raise AssertionError("a str token's flow asks for nothing")


def test_vertex_static_token_apply_is_its_flow() -> None:
    from llmkit._redact import redact_text
    from llmkit.auth.google import AccessTokenAuth
    from llmkit.wire import HttpRequest

    def req() -> HttpRequest:
        return HttpRequest("POST", "https://x/v1/m:generateContent", {"Authorization": "old"}, b"{}", {})

    auth = AccessTokenAuth("ya29.static-token-0123456789")
    a, b = auth.apply(req()), _flow_result(auth, req())
    assert (a.method, a.url, a.headers, a.body) == (b.method, b.url, b.headers, b.body)
    assert "static-token" not in redact_text("ya29.static-token-0123456789") and "static-token" not in repr(
        auth
    )
    # A callable or an empty token keeps the flow (a refresh runs off the loop; "" is refused there).
    assert getattr(AccessTokenAuth(lambda: "t"), "apply", None) is None
    empty = AccessTokenAuth("")
    assert getattr(empty, "apply", None) is None
    with pytest.raises(ConfigurationError):
        _flow_result(empty, req())
