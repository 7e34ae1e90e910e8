"""The Amazon Bedrock Runtime handler, written from the Bedrock API reference and botocore's
service model ``bedrock-runtime/2023-09-30``.

It shares no code with ``llmkit.dialects.bedrock`` on purpose: a misreading in
one shows up as a failure against the other. (The SageMaker handler reuses its AWS parts.)

What it checks, as the service does:
- every request's SigV4 signature, recomputed from the received method, path, headers
  and body with the known test credentials below (signing name ``bedrock``, region
  ``us-east-1``); a bad signature, unknown key or stale date is refused with AWS's own
  403 (``x-amzn-ErrorType`` + ``{"message": ...}``). A Bedrock API key
  (``Authorization: Bearer``) is accepted instead when it is ``BEDROCK_API_KEY``;
- Converse bodies: known top-level members, ``user``/``assistant`` turns that start with
  a user turn and alternate, content blocks that hold exactly one member, tool results
  that answer the tool uses of the turn before, ``inferenceConfig`` and ``toolConfig``
  shapes;
- InvokeModel bodies for the Titan and Cohere embedding models, and for the Titan Image,
  Nova Canvas and Stability image models (``_images``).

Streams are real ``application/vnd.amazon.eventstream`` frames in the documented order:
``messageStart``; for each block ``contentBlockStart`` (tool use only: text and
reasoning blocks begin directly with deltas), ``contentBlockDelta``\\ s,
``contentBlockStop``; ``messageStop``; ``metadata`` last. Payloads carry the random
``"p"`` padding member the service adds. Faults: in-stream exceptions
(``throttlingException``, ``validationException``, ``modelStreamErrorException``, ...),
a dropped connection, a frame with a corrupt CRC, an early end.
"""

import json
import re
from urllib.parse import unquote

from llmkit.emulator._content import count_tokens
from llmkit.emulator._faults import early_reply
from llmkit.emulator.bedrock._aws import (
    ACCESS_KEY,
    BEDROCK_API_KEY,
    CREDENTIALS,
    REGION,
    SECRET_KEY,
    SESSION_ACCESS_KEY,
    SESSION_SECRET_KEY,
    SESSION_TOKEN,
    aws_error,
    check_sigv4,
    request_id,
)
from llmkit.emulator.bedrock._converse import STOP_REASONS, converse_reply, plan
from llmkit.emulator.bedrock._embeddings import (
    COHERE_FIELDS,
    COHERE_INPUT_TYPES,
    TITAN_V1_FIELDS,
    TITAN_V2_FIELDS,
    invoke,
)
from llmkit.emulator.bedrock._errors import ERROR_TYPE_BY_STATUS, Invalid, error, scripted_error
from llmkit.emulator.bedrock._images import invoke_image, is_image_model
from llmkit.emulator.bedrock._stream import STREAM_EXCEPTIONS, converse_stream, corrupt, stream_exception
from llmkit.emulator.bedrock._validate import (
    CONTENT_MEMBERS,
    CONVERSE_FIELDS,
    INFERENCE_FIELDS,
    SYSTEM_MEMBERS,
    TOOL_RESULT_MEMBERS,
    check_converse,
)
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply

__all__ = [
    "ACCESS_KEY",
    "BEDROCK_API_KEY",
    "COHERE_FIELDS",
    "COHERE_INPUT_TYPES",
    "CONTENT_MEMBERS",
    "CONVERSE_FIELDS",
    "CREDENTIALS",
    "ERROR_TYPE_BY_STATUS",
    "INFERENCE_FIELDS",
    "REGION",
    "SECRET_KEY",
    "SESSION_ACCESS_KEY",
    "SESSION_SECRET_KEY",
    "SESSION_TOKEN",
    "STOP_REASONS",
    "STREAM_EXCEPTIONS",
    "SYSTEM_MEMBERS",
    "TITAN_V1_FIELDS",
    "TITAN_V2_FIELDS",
    "TOOL_RESULT_MEMBERS",
    "Invalid",
    "aws_error",
    "check_sigv4",
    "corrupt",
    "handle",
    "request_id",
    "scripted_error",
    "stream_exception",
]

_MODEL_PATH = re.compile(r"^/model/([^/]+)/(converse|converse-stream|invoke|count-tokens)$")


def _bearer_ok(req: EmuRequest, emu: Emulator) -> bool | None:
    """None without a bearer token; else whether it is a key this emulator knows."""
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer "):
        return None
    token = value[7:]
    return token == BEDROCK_API_KEY or (emu.api_key is not None and token == emu.api_key)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    bearer = _bearer_ok(req, emu)
    if bearer is False:
        return error(
            403, "Invalid API Key format: Must start with pre-defined prefix", "AccessDeniedException"
        )
    if bearer is None:
        denied = check_sigv4(req, profile, "bedrock")
        if denied is not None:
            return denied
    if req.method != "POST":
        return error(404, f"Unknown operation: {req.method} {req.path}", "UnknownOperationException")
    found = _MODEL_PATH.match(req.path)
    if found is None:
        return error(404, f"Unknown operation: POST {req.path}", "UnknownOperationException")
    model_id = unquote(found.group(1))
    operation = found.group(2)
    if not model_id or len(model_id) > 2048:
        return error(400, "1 validation error detected: Value at 'modelId' failed to satisfy constraint")
    try:
        body = json.loads(req.body) if req.body else None
    except ValueError:
        return error(400, "Malformed input request, please reformat your input and try again.")
    if not isinstance(body, dict):
        return error(400, "Malformed input request: the body must be a JSON object.")
    if operation == "invoke":
        if is_image_model(model_id):
            return invoke_image(req, emu, model_id.rsplit("/", 1)[-1], body)
        return invoke(req, emu, model_id, body)
    if operation == "count-tokens":
        converse = (body.get("input") or {}).get("converse") if set(body) == {"input"} else None
        if not isinstance(converse, dict):
            return error(400, "CountTokens needs input.converse (or input.invokeModel)")
        try:
            check_converse(converse)
        except Invalid as exc:
            return error(400, str(exc))
        tokens = count_tokens(json.dumps(converse["messages"]) + json.dumps(converse.get("system", [])))
        headers = {"content-type": "application/json", "x-amzn-RequestId": request_id()}
        return Reply(200, headers, json.dumps({"inputTokens": tokens}).encode())
    try:
        check_converse(body)
    except Invalid as exc:
        return error(400, str(exc))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, scripted_error)
    if early is not None:
        return early
    script = plan(body, script)
    if operation == "converse":
        return converse_reply(body, script, model_id)
    return converse_stream(body, script)
