"""Stream and body drift the earlier tests did not try: a tool call's argument fragment that is a
number (Anthropic ``partial_json``, Bedrock ``toolUse.input``), and Bedrock/TGI token counts that are
floats, booleans or NaN. Each was read silently (arguments "555555" or dropped, usage zero); now each
is a ResponseDecodeError, sync and async, streamed and not."""

from __future__ import annotations

from typing import Any

import pytest
import test_typed_decode as td
from test_typed_decode import Reply

from llmkit.errors import ResponseDecodeError

MODES = ["sync", "async"]


# The decode tests' hostile loopback server (with its fake AWS environment) and clients, shared.
hostile = td.hostile
clients = td.clients


BAD_NUMBERS = [1.5, True, float("nan"), "12"]


def _swap(tree: Any, keys: set[str], value: Any) -> Any:
    """``tree`` with every scalar under one of ``keys`` replaced by ``value``."""
    if isinstance(tree, dict):
        return {
            k: value if k in keys and not isinstance(v, (dict, list)) else _swap(v, keys, value)
            for k, v in tree.items()
        }
    if isinstance(tree, list):
        return [_swap(x, keys, value) for x in tree]
    return tree


def _events(name: str, keys: set[str], value: Any) -> bytes:
    d = td.DIALECTS[name]
    events = d.stream[1 if name == "anthropic" else 0]  # the Anthropic stream with a tool call
    assert any(keys & set(str(x).split("'")) for _, x in events), "the fixture holds the key"
    return d.stream_body([(n, x if isinstance(x, str) else _swap(x, keys, value)) for n, x in events])


def _raises_decode(call: Any) -> ResponseDecodeError:
    with pytest.raises(ResponseDecodeError) as info:
        call()
    return info.value


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "key"), [("anthropic", "partial_json"), ("bedrock", "input")])
@pytest.mark.parametrize("value", [5, ["{}"], {"a": 1}])
def test_a_tool_argument_fragment_that_is_not_a_string(
    name: str, key: str, value: Any, mode: str, hostile: td.Hostile, clients: td.Clients
) -> None:
    d = td.DIALECTS[name]
    hostile.serve(Reply(200, _events(name, {key}, value), d.stream_type))
    err = _raises_decode(td._stream(mode, clients, hostile, d.model))
    assert "string" in str(err)


BEDROCK_USAGE = {"inputTokens", "outputTokens", "totalTokens"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_bedrock_stream_usage_that_is_not_a_count(
    value: Any, mode: str, hostile: td.Hostile, clients: td.Clients
) -> None:
    d = td.DIALECTS["bedrock"]
    hostile.serve(Reply(200, _events("bedrock", BEDROCK_USAGE, value), d.stream_type))
    err = _raises_decode(td._stream(mode, clients, hostile, d.model))
    assert "token count" in str(err)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_bedrock_usage_that_is_not_a_count(
    value: Any, mode: str, hostile: td.Hostile, clients: td.Clients
) -> None:
    usage = {"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}
    tree = {**td.DIALECTS["bedrock"].chat[0], "usage": usage}
    hostile.serve(Reply(200, td._dump(_swap(tree, BEDROCK_USAGE, value)).encode()))
    err = _raises_decode(td._complete(mode, clients, hostile, td.DIALECTS["bedrock"].model))
    assert "token count" in str(err)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_tgi_generated_tokens_that_are_not_a_count(
    value: Any, mode: str, hostile: td.Hostile, clients: td.Clients
) -> None:
    d = td.DIALECTS["sagemaker_tgi"]
    hostile.serve(Reply(200, td._dump(_swap(d.chat[0], {"generated_tokens"}, value)).encode()))
    err = _raises_decode(td._complete(mode, clients, hostile, d.model))
    assert "token count" in str(err)
    events = [(n, x if isinstance(x, str) else _swap(x, {"generated_tokens"}, value)) for n, x in d.stream[0]]
    hostile.serve(Reply(200, d.stream_body(events), d.stream_type))
    err = _raises_decode(td._stream(mode, clients, hostile, d.model))
    assert "token count" in str(err)


FINISH_KEYS = {"stopReason", "finish_reason"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["bedrock", "sagemaker_tgi"])
@pytest.mark.parametrize("value", [5, True, ["stop"]], ids=repr)
def test_a_finish_reason_that_is_not_a_string(
    name: str, value: Any, mode: str, hostile: td.Hostile, clients: td.Clients
) -> None:
    """OpenAI, Anthropic and Gemini already refused it; Bedrock and TGI read it as 'other'."""
    d = td.DIALECTS[name]
    hostile.serve(Reply(200, td._dump(_swap(d.chat[0], FINISH_KEYS, value)).encode()))
    assert "string" in str(_raises_decode(td._complete(mode, clients, hostile, d.model)))
    events = [(n, x if isinstance(x, str) else _swap(x, FINISH_KEYS, value)) for n, x in d.stream[0]]
    hostile.serve(Reply(200, d.stream_body(events), d.stream_type))
    assert "string" in str(_raises_decode(td._stream(mode, clients, hostile, d.model)))
