"""Worker side of ``formats.py``: the official SDKs and LiteLLM, one builder per format.

Run in ``benchmarks/.venv-peers`` (anthropic, google-genai, boto3, cohere, ollama, openai,
LiteLLM). Each builder imports its SDK when called and returns the same shapes as
``wire_clients``; a format a peer cannot reach (no async boto3, LiteLLM routes without an
endpoint override) raises ``NotImplementedError``, which the report shows as "n/a".
"""

from __future__ import annotations

import json
from typing import Any

from wire_clients import (
    API_KEY,
    AWS_KEY,
    AWS_REGION,
    AWS_SECRET,
    ENDPOINT,
    LOCATION,
    MESSAGES,
    MODEL,
    PROJECT,
    AsyncTriple,
    Sink,
    SseLines,
    SyncPair,
    event_text,
)


def _genai_client(fmt: str, base: str) -> Any:
    from google import genai
    from google.genai import types

    if fmt == "gemini":
        opts = types.HttpOptions(base_url=base + "/", api_version="v1beta")
        return genai.Client(api_key=API_KEY, http_options=opts)
    from google.oauth2.credentials import Credentials

    opts = types.HttpOptions(base_url=base + "/", api_version="v1")
    return genai.Client(
        vertexai=True,
        project=PROJECT,
        location=LOCATION,
        credentials=Credentials("bench-token"),
        http_options=opts,
    )


def _boto(service: str, base: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=AWS_REGION,
        endpoint_url=base,
        aws_access_key_id=AWS_KEY,
        aws_secret_access_key=AWS_SECRET,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=100),
    )


def sdk_sync(fmt: str, base: str) -> SyncPair:
    if fmt == "openai":
        import openai

        oc = openai.OpenAI(api_key=API_KEY, base_url=base + "/v1", max_retries=0)

        def call() -> str:
            return str(oc.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content)  # type: ignore[arg-type]

        def stream(n: int, sink: Sink) -> int:
            count = 0
            with oc.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, max_tokens=n) as s:  # type: ignore[arg-type]
                for chunk in s:
                    if chunk.choices and chunk.choices[0].delta.content:
                        sink.append(chunk.choices[0].delta.content)
                        count += 1
            return count

        return call, stream
    if fmt == "anthropic":
        import anthropic

        ac = anthropic.Anthropic(api_key=API_KEY, base_url=base, max_retries=0)

        def call() -> str:
            msg = ac.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)  # type: ignore[arg-type]
            return str(msg.content[0].text)  # type: ignore[union-attr]

        def stream(n: int, sink: Sink) -> int:
            count = 0
            with ac.messages.create(model=MODEL, max_tokens=n, messages=MESSAGES, stream=True) as s:  # type: ignore[arg-type]
                for ev in s:
                    if ev.type == "content_block_delta" and ev.delta.type == "text_delta" and ev.delta.text:
                        sink.append(ev.delta.text)
                        count += 1
            return count

        return call, stream
    if fmt in ("gemini", "vertex"):
        gc = _genai_client(fmt, base)

        def call() -> str:
            return str(gc.models.generate_content(model=MODEL, contents="hi").text)

        def stream(n: int, sink: Sink) -> int:
            count = 0
            for chunk in gc.models.generate_content_stream(
                model=MODEL, contents="hi", config={"max_output_tokens": n}
            ):
                text = chunk.text
                if text:
                    sink.append(text)
                    count += 1
            return count

        return call, stream
    if fmt == "bedrock":
        br = _boto("bedrock-runtime", base)
        msgs = [{"role": "user", "content": [{"text": "hi"}]}]

        def call() -> str:
            return str(br.converse(modelId=MODEL, messages=msgs)["output"]["message"]["content"][0]["text"])

        def stream(n: int, sink: Sink) -> int:
            count = 0
            resp = br.converse_stream(modelId=MODEL, messages=msgs, inferenceConfig={"maxTokens": n})
            for ev in resp["stream"]:
                delta = ev.get("contentBlockDelta")
                if delta and delta["delta"].get("text"):
                    sink.append(delta["delta"]["text"])
                    count += 1
            return count

        return call, stream
    if fmt == "sagemaker":
        sm = _boto("sagemaker-runtime", base)

        def call() -> str:
            body = json.dumps({"messages": MESSAGES})
            resp = sm.invoke_endpoint(EndpointName=ENDPOINT, Body=body, ContentType="application/json")
            return str(json.loads(resp["Body"].read())["choices"][0]["message"]["content"])

        def stream(n: int, sink: Sink) -> int:
            body = json.dumps({"messages": MESSAGES, "stream": True, "max_tokens": n})
            resp = sm.invoke_endpoint_with_response_stream(
                EndpointName=ENDPOINT, Body=body, ContentType="application/json"
            )
            lines, count = SseLines(), 0
            for ev in resp["Body"]:
                part = ev.get("PayloadPart")
                if not part:
                    continue
                for line in lines.feed(part["Bytes"]):
                    if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
                        text = event_text("sagemaker", json.loads(line[5:]))
                        if text:
                            sink.append(text)
                            count += 1
            return count

        return call, stream
    if fmt == "cohere":
        import cohere

        cc = cohere.ClientV2(api_key=API_KEY, base_url=base)

        def call() -> str:
            return str(cc.chat(model=MODEL, messages=MESSAGES).message.content[0].text)  # type: ignore[arg-type,index,union-attr]

        def stream(n: int, sink: Sink) -> int:
            count = 0
            for ev in cc.chat_stream(model=MODEL, messages=MESSAGES, max_tokens=n):  # type: ignore[arg-type]
                if ev.type == "content-delta":
                    text = ev.delta.message.content.text  # type: ignore[union-attr]
                    if text:
                        sink.append(text)
                        count += 1
            return count

        return call, stream
    if fmt == "ollama":
        import ollama

        oc2 = ollama.Client(host=base)

        def call() -> str:
            return str(oc2.chat(model=MODEL, messages=MESSAGES).message.content)

        def stream(n: int, sink: Sink) -> int:
            count = 0
            for part in oc2.chat(model=MODEL, messages=MESSAGES, stream=True, options={"num_predict": n}):
                if not part.done and part.message.content:
                    sink.append(part.message.content)
                    count += 1
            return count

        return call, stream
    raise NotImplementedError(fmt)


def sdk_async(fmt: str, base: str) -> AsyncTriple:
    if fmt == "openai":
        import openai

        oc = openai.AsyncOpenAI(api_key=API_KEY, base_url=base + "/v1", max_retries=0)

        async def acall() -> str:
            resp = await oc.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            return str(resp.choices[0].message.content)

        async def astream(n: int, sink: Sink) -> int:
            count = 0
            s = await oc.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, max_tokens=n)  # type: ignore[arg-type]
            async with s:
                async for chunk in s:
                    if chunk.choices and chunk.choices[0].delta.content:
                        sink.append(chunk.choices[0].delta.content)
                        count += 1
            return count

        return acall, astream, oc.close
    if fmt == "anthropic":
        import anthropic

        ac = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=base, max_retries=0)

        async def acall() -> str:
            msg = await ac.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)  # type: ignore[arg-type]
            return str(msg.content[0].text)  # type: ignore[union-attr]

        async def astream(n: int, sink: Sink) -> int:
            count = 0
            s = await ac.messages.create(model=MODEL, max_tokens=n, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
            async with s:
                async for ev in s:
                    if ev.type == "content_block_delta" and ev.delta.type == "text_delta" and ev.delta.text:
                        sink.append(ev.delta.text)
                        count += 1
            return count

        return acall, astream, ac.close
    if fmt in ("gemini", "vertex"):
        gc = _genai_client(fmt, base)

        async def acall() -> str:
            return str((await gc.aio.models.generate_content(model=MODEL, contents="hi")).text)

        async def astream(n: int, sink: Sink) -> int:
            count = 0
            it = await gc.aio.models.generate_content_stream(
                model=MODEL, contents="hi", config={"max_output_tokens": n}
            )
            async for chunk in it:
                text = chunk.text
                if text:
                    sink.append(text)
                    count += 1
            return count

        async def aclose() -> None:
            await gc.aio.aclose()

        return acall, astream, aclose
    if fmt == "cohere":
        import cohere

        cc = cohere.AsyncClientV2(api_key=API_KEY, base_url=base)

        async def acall() -> str:
            resp = await cc.chat(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            return str(resp.message.content[0].text)  # type: ignore[index,union-attr]

        async def astream(n: int, sink: Sink) -> int:
            count = 0
            async for ev in cc.chat_stream(model=MODEL, messages=MESSAGES, max_tokens=n):  # type: ignore[arg-type]
                if ev.type == "content-delta":
                    text = ev.delta.message.content.text  # type: ignore[union-attr]
                    if text:
                        sink.append(text)
                        count += 1
            return count

        async def aclose_cohere() -> None:
            return None

        return acall, astream, aclose_cohere
    if fmt == "ollama":
        import ollama

        oc2 = ollama.AsyncClient(host=base)

        async def acall() -> str:
            return str((await oc2.chat(model=MODEL, messages=MESSAGES)).message.content)

        async def astream(n: int, sink: Sink) -> int:
            count = 0
            async for part in await oc2.chat(
                model=MODEL, messages=MESSAGES, stream=True, options={"num_predict": n}
            ):
                if not part.done and part.message.content:
                    sink.append(part.message.content)
                    count += 1
            return count

        async def aclose_ollama() -> None:
            return None

        return acall, astream, aclose_ollama
    raise NotImplementedError(f"{fmt}: the official SDK has no async client")


def _litellm_target(fmt: str, base: str) -> tuple[str, dict[str, Any]]:
    if fmt == "openai":
        return "openai/" + MODEL, {"api_base": base + "/v1", "api_key": API_KEY}
    if fmt == "anthropic":
        return "anthropic/" + MODEL, {"api_base": base + "/v1/messages", "api_key": API_KEY}
    if fmt == "gemini":
        return "gemini/" + MODEL, {"api_base": base + "/v1beta", "api_key": API_KEY}
    if fmt == "bedrock":
        kw = {
            "aws_bedrock_runtime_endpoint": base,
            "aws_access_key_id": AWS_KEY,
            "aws_secret_access_key": AWS_SECRET,
            "aws_region_name": AWS_REGION,
        }
        return "bedrock/converse/" + MODEL, kw
    if fmt == "cohere":
        return "cohere_chat/" + MODEL, {"api_base": base + "/v2/chat", "api_key": API_KEY}
    if fmt == "ollama":
        return "ollama_chat/" + MODEL, {"api_base": base}
    raise NotImplementedError(f"{fmt}: no LiteLLM route to a local endpoint set up here")


def _litellm_piece(chunk: Any) -> str | None:
    if chunk.choices and chunk.choices[0].delta.content:
        return str(chunk.choices[0].delta.content)
    return None


def litellm_sync(fmt: str, base: str) -> SyncPair:
    import litellm

    model, kw = _litellm_target(fmt, base)

    def call() -> str:
        return str(
            litellm.completion(model=model, messages=MESSAGES, max_tokens=64, **kw).choices[0].message.content
        )

    def stream(n: int, sink: Sink) -> int:
        count = 0
        for chunk in litellm.completion(model=model, messages=MESSAGES, stream=True, max_tokens=n, **kw):
            piece = _litellm_piece(chunk)
            if piece:
                sink.append(piece)
                count += 1
        return count

    return call, stream


def litellm_async(fmt: str, base: str) -> AsyncTriple:
    import litellm

    model, kw = _litellm_target(fmt, base)

    async def acall() -> str:
        resp = await litellm.acompletion(model=model, messages=MESSAGES, max_tokens=64, **kw)
        return str(resp.choices[0].message.content)

    async def astream(n: int, sink: Sink) -> int:
        count = 0
        resp = await litellm.acompletion(model=model, messages=MESSAGES, stream=True, max_tokens=n, **kw)
        async for chunk in resp:
            piece = _litellm_piece(chunk)
            if piece:
                sink.append(piece)
                count += 1
        return count

    async def aclose() -> None:
        return None

    return acall, astream, aclose
