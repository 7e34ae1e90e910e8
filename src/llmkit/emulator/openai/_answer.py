"""What a chat completion answers, whether streamed or not: the plan, the usage, the body habits."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script

FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "content_filter": "content_filter"}


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, str):
                return c
            return " ".join(
                p.get("text", "") for p in c or () if isinstance(p, dict) and p.get("type") == "text"
            )
    return ""


def plan(body: dict[str, Any], script: Script) -> Script:
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    choice = body.get("tool_choice")
    forced = choice if choice == "none" else None
    if isinstance(choice, dict):
        forced = choice.get("function", {}).get("name")
    rf = body.get("response_format") or {}
    schema = None
    if rf.get("type") == "json_schema":
        schema = rf["json_schema"].get("schema") or {"type": "object"}
    elif rf.get("type") == "json_object":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    if body["messages"][-1].get("role") == "tool" and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + str(body["messages"][-1].get("content"))[:200]
    return default_answer(last_user_text(body["messages"]), tools, forced, schema, script)


def usage_of(
    body: dict[str, Any], script: Script, text: str, profile: Profile | None = None
) -> dict[str, Any]:
    prompt = script.input_tokens
    if prompt is None:
        prompt = count_tokens(json.dumps(body["messages"]))
    completion = script.output_tokens
    if completion is None:
        completion = count_tokens(text) + sum(
            count_tokens(call_arguments(c)) for c in script.tool_calls or ()
        )
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": script.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": script.reasoning_tokens, "audio_tokens": 0},
    }
    if profile is not None and profile.extra.get("x_groq"):
        # Groq reports its timings (seconds) beside the counts.
        usage.update(queue_time=0.012, prompt_time=0.001, completion_time=0.02, total_time=0.021)
    if profile is not None and profile.extra.get("request_id_envelope"):
        # AssemblyAI's SDK requires every completion_tokens_details count OpenAI sends.
        usage["completion_tokens_details"] = {
            "reasoning_tokens": script.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        }
    if profile is not None and profile.extra.get("cache_hit_fields"):
        # DeepSeek reports context-cache hits and misses as top-level usage fields.
        usage["prompt_cache_hit_tokens"] = script.cached_tokens
        usage["prompt_cache_miss_tokens"] = prompt - script.cached_tokens
        del usage["prompt_tokens_details"]
    return usage


def reshape(obj: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Per-provider body habits: fields a provider never sends, or always sends."""
    x = profile.extra
    omit = x.get("message_omit", ())
    for choice in obj.get("choices") or ():
        for key in ("message", "delta"):
            part = choice.get(key)
            if isinstance(part, dict):
                for name in omit:
                    part.pop(name, None)
                if key == "delta" and x.get("role_in_every_delta"):  # Together repeats the role
                    part.setdefault("role", "assistant")
    if x.get("plain_usage"):  # no *_tokens_details objects (also in Groq's x_groq.usage)
        for usage in (obj.get("usage"), (obj.get("x_groq") or {}).get("usage")):
            if isinstance(usage, dict):
                usage.pop("prompt_tokens_details", None)
                usage.pop("completion_tokens_details", None)
    return obj


def request_id_envelope(obj: dict[str, Any], request_id: str) -> dict[str, Any]:
    """AssemblyAI's LLM Gateway answer (its SDK's ``LLMGatewayChatCompletion`` and the body its
    unit tests post): named by ``request_id``, with no id/object/created/model, usage counted
    twice over (input/output beside prompt/completion), and the gateway's status and timing."""
    usage = dict(obj["usage"])
    usage.update(input_tokens=usage["prompt_tokens"], output_tokens=usage["completion_tokens"])
    return {
        "request_id": request_id,
        "choices": obj["choices"],
        "usage": usage,
        "http_status_code": 200,
        "response_time": 250_000_000,  # nanoseconds, as the gateway reports it
        "llm_status_code": 200,
    }
