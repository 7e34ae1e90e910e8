"""The clouds' rerank endpoints, written from their documentation, not from llmkit's dialects:

* ``bedrock_rerank``: the bedrock-agent-runtime ``POST /rerank`` (AWS's API reference,
  API_agent-runtime_Rerank): SigV4 with signing name ``bedrock`` verified as the Bedrock handler
  does; ``queries`` (exactly one TEXT query), ``sources`` (1-1,000 INLINE TEXT or JSON documents),
  ``rerankingConfiguration`` (BEDROCK_RERANKING_MODEL, a model ARN, ``numberOfResults``); answers
  ``{"results": [{"index", "relevanceScore", "document"}]}``; errors ``x-amzn-ErrorType`` +
  ``{"message"}``.
* ``vertex_ai_ranking``: Discovery Engine's ``rankingConfigs/default_ranking_config:rank``: a
  Google OAuth token, ``{model, query, records: [{id, title?, content?}], topN?,
  ignoreRecordDetailsInResponse?, userLabels?}`` answered by ``{"records": [{id, score, title?,
  content?}]}``; errors ``{"error": {code, message, status}}``.
* ``nvidia_nim_rerank`` / ``nim_rerank``: the API catalog's
  ``/v1/retrieval/{publisher}/{model}/reranking`` and a NIM container's ``/v1/ranking``:
  ``{model, query: {text}, passages: [{text}], truncate?}`` answered by ``{"rankings": [{index,
  logit}]}``; errors ``{"detail"}``.
* ``azure_ai_cohere``: a Cohere deployment on Azure AI Foundry, served by the Cohere v2 handler.
"""

from __future__ import annotations

import json
import re
from typing import Any

from llmkit.emulator import _vectors as V
from llmkit.emulator import google_oauth
from llmkit.emulator._rerank import rank
from llmkit.emulator.bedrock._aws import check_sigv4, request_id
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

BEDROCK = Profile(
    "bedrock_rerank", "llmkit.emulator.ranking:handle_bedrock", "", (), 403, "aws", credentials="aws_sigv4"
)
VERTEX_PROJECT = "test-proj"
VERTEX = Profile(
    "vertex_ai_ranking",
    "llmkit.emulator.ranking:handle_vertex",
    base_path=f"/v1/projects/{VERTEX_PROJECT}/locations/global",
    error_shape="google",
    credentials="google_token",
)
NIM_HOSTED = Profile("nvidia_nim_rerank", "llmkit.emulator.ranking:handle_nim", error_shape="nim")
NIM_LOCAL = Profile(
    "nim_rerank", "llmkit.emulator.ranking:handle_nim", error_shape="nim", extra={"local": True}
)
# Cohere on Azure AI Foundry: Cohere's own v2 API at a deployment's root (the Cohere handler).
AZURE_COHERE = Profile("azure_ai_cohere", "llmkit.emulator.cohere:handle", base_path="", error_shape="cohere")
# Cohere Command R's native InvokeModel body on Bedrock (its own handler module).
BEDROCK_COHERE = Profile(
    "bedrock_cohere",
    "llmkit.emulator.bedrock_cohere:handle",
    "",
    (),
    403,
    "aws",
    credentials="aws_sigv4_or_bedrock_key",
)
PROFILES = (BEDROCK, VERTEX, NIM_HOSTED, NIM_LOCAL, AZURE_COHERE, BEDROCK_COHERE)

_ARN = re.compile(r"^arn:aws(-[a-z-]+)?:bedrock:[a-z0-9-]{1,20}:(\d{12})?:[a-z-]+/[a-z0-9.:-]+$")


class Invalid(Exception):
    pass


def _scripted(req: EmuRequest, emu: Emulator) -> tuple[Script, Reply | None]:
    script = emu.take_script(req.path) or Script()
    return script, V.fault(script)


# --- Bedrock -----------------------------------------------------------------------------------


def _aws_error(status: int, message: str, etype: str = "ValidationException") -> Reply:
    headers = {
        "content-type": "application/json",
        "x-amzn-ErrorType": f"{etype}:",
        "x-amzn-RequestId": request_id(),
    }
    return Reply(status, headers, json.dumps({"message": message}).encode())


_AWS_TYPES = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    429: "ThrottlingException",
    500: "InternalServerException",
    502: "BadGatewayException",
    503: "ServiceQuotaExceededException",
}


def _exact(obj: Any, required: set[str], optional: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise Invalid(f"{where} must be an object")
    missing, extra = required - set(obj), set(obj) - required - optional
    if missing:
        raise Invalid(f"{where}: required key [{sorted(missing)[0]}] not found")
    if extra:
        raise Invalid(f"{where}: extraneous key [{sorted(extra)[0]}] is not permitted")
    return obj


def _bedrock_docs(body: dict[str, Any]) -> tuple[str, list[Any], str, int | None]:
    _exact(body, {"queries", "rerankingConfiguration", "sources"}, {"nextToken"}, "#")
    queries = body["queries"]
    if type(queries) is not list or len(queries) != 1:
        raise Invalid("#/queries: expected exactly 1 item")
    q = _exact(queries[0], {"textQuery", "type"}, set(), "#/queries/0")
    text = _exact(q["textQuery"], {"text"}, set(), "#/queries/0/textQuery")["text"]
    if q["type"] != "TEXT" or type(text) is not str or not text:
        raise Invalid("#/queries/0: a TEXT query with text")
    cfg = _exact(
        body["rerankingConfiguration"],
        {"bedrockRerankingConfiguration", "type"},
        set(),
        "#/rerankingConfiguration",
    )
    if cfg["type"] != "BEDROCK_RERANKING_MODEL":
        raise Invalid("#/rerankingConfiguration/type: BEDROCK_RERANKING_MODEL")
    brc = _exact(
        cfg["bedrockRerankingConfiguration"],
        {"modelConfiguration"},
        {"numberOfResults"},
        "#/.../bedrockRerankingConfiguration",
    )
    mc = _exact(
        brc["modelConfiguration"], {"modelArn"}, {"additionalModelRequestFields"}, "#/.../modelConfiguration"
    )
    arn = mc["modelArn"]
    if type(arn) is not str or not _ARN.match(arn):
        raise Invalid(f"#/.../modelArn: {arn!r} is not a reranker model ARN")
    n = brc.get("numberOfResults")
    if n is not None and (type(n) is not int or not 1 <= n <= 1000):
        raise Invalid("#/.../numberOfResults: must be 1 to 1000")
    sources = body["sources"]
    if type(sources) is not list or not 1 <= len(sources) <= 1000:
        raise Invalid("#/sources: 1 to 1000 items")
    docs: list[Any] = []
    for i, s in enumerate(sources):
        s = _exact(s, {"inlineDocumentSource", "type"}, set(), f"#/sources/{i}")
        d = _exact(
            s["inlineDocumentSource"],
            {"type"},
            {"textDocument", "jsonDocument"},
            f"#/sources/{i}/inlineDocumentSource",
        )
        if s["type"] != "INLINE":
            raise Invalid(f"#/sources/{i}/type: INLINE")
        if (
            d["type"] == "TEXT"
            and isinstance(d.get("textDocument"), dict)
            and type(d["textDocument"].get("text")) is str
        ):
            docs.append(d["textDocument"]["text"])
        elif d["type"] == "JSON" and "jsonDocument" in d and "textDocument" not in d:
            docs.append(d["jsonDocument"])
        else:
            raise Invalid(f"#/sources/{i}/inlineDocumentSource: a TEXT textDocument or a JSON jsonDocument")
    return text, docs, arn, n


def handle_bedrock(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_sigv4(req, profile, "bedrock")
    if denied is not None:
        return denied
    if req.method != "POST" or req.path != "/rerank":
        return _aws_error(404, f"Unknown operation: {req.method} {req.path}", "UnknownOperationException")
    script, faulted = _scripted(req, emu)
    if faulted is not None:
        return faulted
    if script.error is not None:
        e = script.error
        return _aws_error(e.status, e.message, e.type or _AWS_TYPES.get(e.status, "InternalServerException"))
    try:
        body = json.loads(req.body)
        query, docs, _arn, n = _bedrock_docs(body)
    except (ValueError, Invalid) as exc:
        return _aws_error(400, f"Malformed input request: {exc}")
    results = []
    for index, score in rank(query, docs, n or 5):  # AWS returns 5 results when none are asked
        doc = docs[index]
        document = (
            {"type": "TEXT", "textDocument": {"text": doc}}
            if isinstance(doc, str)
            else {"type": "JSON", "jsonDocument": doc}
        )
        results.append({"index": index, "relevanceScore": score, "document": document})
    return json_reply(200, {"results": results}, {"x-amzn-RequestId": request_id()})


# --- Vertex AI ranking --------------------------------------------------------------------------


def _google_error(status: int, message: str) -> Reply:
    names = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    return json_reply(
        status, {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}}
    )


_RECORD = {"id", "title", "content"}
_RANK = {"model", "query", "records", "topN", "ignoreRecordDetailsInResponse", "userLabels"}


def handle_vertex(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    value = req.headers.get("authorization", "")
    token = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
    if not token or not (google_oauth.token_is_live(emu, token) or emu.api_key in (None, token)):
        return _google_error(
            401, "Request had invalid authentication credentials. Expected OAuth 2 access token."
        )
    if not re.fullmatch(
        r"/v1/projects/[^/]+/locations/global/rankingConfigs/default_ranking_config:rank", req.path
    ):
        return _google_error(404, f"The requested URL {req.path} was not found on this server.")
    script, faulted = _scripted(req, emu)
    if faulted is not None:
        return faulted
    if script.error is not None:
        return _google_error(script.error.status, script.error.message)
    try:
        body = json.loads(req.body)
    except ValueError:
        return _google_error(400, "Invalid JSON payload received.")
    if not isinstance(body, dict) or set(body) - _RANK:
        return _google_error(400, "Invalid JSON payload received. Unknown name in the rank request.")
    records, query = body.get("records"), body.get("query")
    if type(query) is not str or not query or type(records) is not list or not 1 <= len(records) <= 200:
        return _google_error(400, "query is required and records must hold 1 to 200 records.")
    ids: list[str] = []
    for r in records:
        if not isinstance(r, dict) or set(r) - _RECORD or type(r.get("id")) is not str or r["id"] in ids:
            return _google_error(400, "Each record needs a unique string id, and only title and content.")
        if not (r.get("title") or r.get("content")):
            return _google_error(400, "A record needs a title or content.")
        ids.append(r["id"])
    model = body.get("model", "semantic-ranker-default@latest")
    if type(model) is not str or not model:
        return _google_error(400, "model must be a ranking model's name.")
    top_n = body.get("topN")
    texts = [" ".join(str(r.get(k, "")) for k in ("title", "content")) for r in records]
    out = []
    for index, score in rank(query, texts, top_n if type(top_n) is int and top_n > 0 else None):
        row: dict[str, Any] = {"id": records[index]["id"], "score": score}
        if not body.get("ignoreRecordDetailsInResponse"):
            row.update({k: v for k, v in records[index].items() if k != "id"})
        out.append(row)
    return json_reply(200, {"records": out} if out else {})


# --- NVIDIA NIM ----------------------------------------------------------------------------------

_HOSTED_PATH = re.compile(r"^/v1/retrieval/([a-z0-9_-]+)/([A-Za-z0-9_-]+)/reranking$")


def handle_nim(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    local = bool(profile.extra.get("local"))
    value = req.headers.get("authorization", "")
    # The catalog always checks the key; a container only when it was given one and one is sent.
    checked = emu.api_key is not None and (not local or bool(value))
    if checked and value != f"Bearer {emu.api_key}":
        return json_reply(
            401,
            {
                "type": "urn:nvidia:error",
                "title": "Unauthorized",
                "status": 401,
                "detail": "Authentication failed",
            },
        )
    if not local and not value:
        return json_reply(
            401,
            {"type": "urn:nvidia:error", "title": "Unauthorized", "status": 401, "detail": "Missing API key"},
        )
    hosted = _HOSTED_PATH.match(req.path)
    if (local and req.path != "/v1/ranking") or (not local and hosted is None):
        return json_reply(404, {"detail": "Not Found"})
    script, faulted = _scripted(req, emu)
    if faulted is not None:
        return faulted
    if script.error is not None:
        return json_reply(script.error.status, {"detail": script.error.message})
    try:
        body = json.loads(req.body)
    except ValueError:
        return json_reply(422, {"detail": [{"loc": ["body"], "msg": "JSON decode error"}]})
    if not isinstance(body, dict) or set(body) - {"model", "query", "passages", "truncate"}:
        return json_reply(422, {"detail": [{"loc": ["body"], "msg": "Extra inputs are not permitted"}]})
    query, passages = body.get("query"), body.get("passages")
    if not isinstance(query, dict) or set(query) != {"text"} or type(query["text"]) is not str:
        return json_reply(422, {"detail": [{"loc": ["body", "query"], "msg": "query.text is required"}]})
    if (
        type(passages) is not list
        or not passages
        or not all(isinstance(p, dict) and set(p) == {"text"} and type(p["text"]) is str for p in passages)
    ):
        return json_reply(
            422, {"detail": [{"loc": ["body", "passages"], "msg": "passages: a list of {text}"}]}
        )
    if body.get("truncate", "NONE") not in ("NONE", "END"):
        return json_reply(
            422, {"detail": [{"loc": ["body", "truncate"], "msg": "Input should be 'NONE' or 'END'"}]}
        )
    model = body.get("model")
    if hosted is not None and (
        type(model) is not str
        or model.replace(".", "_") not in (f"{hosted.group(1)}/{hosted.group(2)}", hosted.group(2))
    ):
        return json_reply(400, {"detail": f"model {model!r} does not match the URL"})
    texts = [p["text"] for p in passages]
    # Logits: the emulator's [0, 1) score stretched onto a cross-encoder's scale.
    rankings = [{"index": i, "logit": round(s * 20 - 10, 4)} for i, s in rank(query["text"], texts)]
    used = sum(V.tokens(query["text"]) + V.tokens(t) for t in texts)
    return json_reply(200, {"rankings": rankings, "usage": {"prompt_tokens": used, "total_tokens": used}})
