"""SAP AI Core: an OAuth2 client-credentials token, then the orchestration deployment, sans-I/O.

The auth flow does what an AI Core call needs before it can be sent:

1. a bearer token from the service key's XSUAA token URL (``grant_type=client_credentials`` with
   the client id and secret in the form, as SAP's SDKs send them), kept in one ``TokenManager`` per
   (client id, token URL): cached, refreshed early, single-flight, forgotten after a 401;
2. the deployment to call: ``deployment_id=`` (or ``AICORE_DEPLOYMENT_ID``), else discovered with
   ``GET {AI_API_URL}/v2/lm/deployments?scenarioId=orchestration&status=RUNNING`` in the resource
   group (the JS SDK's deployment resolver), cached 5 minutes (its TTL) per (API URL, resource group,
   scenario) in a ``TokenManager`` too (so concurrent callers share one discovery), dropped after a
   404 from the deployment so the one resend the retry loop makes discovers it afresh;
3. the request's URL: the dialect leaves ``DEPLOYMENT_SLOT`` where the deployment id goes; it is
   filled here with an id that passed the AI Core spec's pattern, and the ``AI-Resource-Group``
   header is set.

An X.509 service key (certificate and key instead of a secret) gets its token the same way but with
no secret in the form: the request to its ``certurl`` carries the key's client identity
(``HttpRequest.client_cert``), which the transports present in the TLS handshake (mutual TLS).
Only the token request does: the AI API takes the bearer token, as with a secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from llmkit._headers import put
from llmkit._redact import register_secret
from llmkit._urls import check_param
from llmkit.auth.base import AuthFactory, AuthFlow, AuthInputs
from llmkit.auth.sap_key import ENV, OPTION_NAMES, SapCredentials, credentials_from
from llmkit.auth.tokens import TokenFlow, TokenManager
from llmkit.errors import (
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DEPLOYMENT_SLOT", "DEPLOYMENT_TTL", "SERVICE_KEY_URL", "SapAuth", "sap_auth"]

# Where the dialect leaves the deployment id in a URL (braces cannot reach the wire: every final
# URL is checked, and this auth replaces the slot before anything is sent).
DEPLOYMENT_SLOT = "{deployment_id}"
# The spec's default AI API URL: "take it from the service key" (.invalid never resolves).
SERVICE_KEY_URL = "https://ai-api-url.from-service-key.invalid"
# The JS SDK's deployment cache lifetime (deployment-cache.ts: 5 minutes).
DEPLOYMENT_TTL = 300.0
# XSUAA tokens live ~12 h; SAP's SDKs refresh an hour early. The shared default margin (300 s) is
# kept for the token: an early refresh costs a request, a late one never happens.
SCENARIO = "orchestration"
# AI Core's AiDeploymentId and resource-group rules (AI_CORE_API.yaml), in ASCII.
_DEPLOYMENT_ID = re.compile(r"[A-Za-z0-9_.-]{4,64}")
_RESOURCE_GROUP = r"[A-Za-z0-9][A-Za-z0-9.-]{0,251}[A-Za-z0-9]|[A-Za-z0-9]"

OPTIONS = frozenset({"service_key", "resource_group", "deployment_id", *OPTION_NAMES})

_MANAGERS: dict[tuple[str, ...], TokenManager] = {}
_MANAGERS_LOCK = threading.Lock()
_MANAGERS_MAX = 512


def _manager(what: str, *key: str, margin: float | None = None) -> TokenManager:
    with _MANAGERS_LOCK:
        found = _MANAGERS.get((what, *key))
        if found is None:
            if len(_MANAGERS) >= _MANAGERS_MAX:
                _MANAGERS.clear()
            found = TokenManager(what) if margin is None else TokenManager(what, margin=margin)
            _MANAGERS[(what, *key)] = found
        return found


def _json(resp: HttpResponse) -> Any:
    try:
        return json.loads(resp.body) if resp.body else None
    except (ValueError, RecursionError):
        return None


def _api_error(resp: HttpResponse, what: str, fix: str) -> ProviderError:
    """An AI Core API error (``{"error": {code, message, requestId, ...}}``) as a typed error."""
    body = _json(resp)
    err = body.get("error") if isinstance(body, dict) else None
    message = str(err.get("message")) if isinstance(err, dict) and err.get("message") else ""
    code = str(err.get("code")) if isinstance(err, dict) and err.get("code") is not None else None
    cls: type[ProviderError] = {
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        429: RateLimitError,
    }.get(resp.status, ServerError if resp.status >= 500 else ProviderError)
    detail = f": {message}" if message else ""
    return cls(
        f"{what} failed{detail}. {fix}",
        status_code=resp.status,
        provider="sap",
        body=body if isinstance(body, dict) else None,
        error_code=code,
        request_id=(err.get("requestId") if isinstance(err, dict) else None)
        or resp.headers.get("x-request-id"),
    )


def _mtls_hint(exc: APIConnectionError) -> APIConnectionError:
    """A failed handshake at the certificate token URL says what to check (the text has no key)."""
    hinted = type(exc)(
        f"{exc}; the SAP certificate token URL (certurl / AICORE_CERT_URL) refused the TLS handshake: "
        "check that the service key's certificate and key (or AICORE_CERT_STR/AICORE_KEY_STR, "
        "AICORE_CERT_FILE_PATH/AICORE_KEY_FILE_PATH) are current and belong to that subaccount"
    )
    hinted.before_send = exc.before_send
    hinted.provider = "sap"
    return hinted


class SapAuth:
    """Bearer token, resource group and deployment for one AI Core client (see the module doc)."""

    __slots__ = ("_deployment", "_tokens", "api_url", "credentials", "resource_group")

    def __init__(
        self,
        credentials: SapCredentials,
        resource_group: str,
        deployment_id: str | None = None,
        api_url: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.resource_group = resource_group
        self._deployment = deployment_id
        self.api_url = api_url or credentials.api_url
        # Keyed by the secret's digest too: a token got with one secret must never serve a call
        # made with another (a wrong or rotated secret is refused by SAP, not answered from here).
        # An X.509 client is keyed by its identity's digest (itself a hash, never the key text).
        identity = credentials.identity
        secret = (
            hashlib.sha256(credentials.client_secret.encode()).hexdigest()
            if identity is None
            else "x509:" + identity.digest
        )
        self._tokens = _manager(
            "SAP AI Core token request", credentials.client_id, credentials.token_url, secret
        )

    # -- the token -------------------------------------------------------------------------------

    def _token_request(self) -> TokenFlow:
        c = self.credentials
        form = {"grant_type": "client_credentials", "client_id": c.client_id}
        if c.identity is None:
            form["client_secret"] = c.client_secret
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        body = urlencode(form).encode()
        request = HttpRequest("POST", c.token_url, headers, body, client_cert=c.identity)
        if c.identity is None:
            resp = yield request
            return self._parse_token(resp)
        try:
            resp = yield request
        except APIConnectionError as exc:
            raise _mtls_hint(exc) from None
        return self._parse_token(resp)

    def _parse_token(self, resp: HttpResponse) -> tuple[str, float]:
        body = _json(resp)
        token = body.get("access_token") if isinstance(body, dict) else None
        if resp.status >= 500:
            raise ServerError(
                "the SAP AI Core token URL failed; try again later", status_code=resp.status, provider="sap"
            )
        if resp.status != 200 or not isinstance(token, str) or not token:
            reason = ""
            if isinstance(body, dict) and body.get("error"):
                reason = f": {body['error']}"
                if body.get("error_description"):
                    reason += f" ({body['error_description']})"
            raise AuthenticationError(
                f"the SAP AI Core token request to the service key's token URL failed{reason}. Check the "
                f"{self._what_to_check()}",
                status_code=resp.status,
                provider="sap",
                error_type=str(body.get("error")) if isinstance(body, dict) and body.get("error") else None,
            )
        if not token.isprintable() or " " in token:
            raise AuthenticationError(
                "the SAP token URL answered a token that cannot be sent", provider="sap"
            )
        register_secret(token)
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        seconds = (
            float(lifetime)
            if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool)
            else 3600.0
        )
        return token, self._tokens.clock() + min(max(seconds, 0.0), 86400.0)

    def _what_to_check(self) -> str:
        if self.credentials.identity is None:
            return (
                "client id and secret (service_key= / AICORE_SERVICE_KEY, or AICORE_CLIENT_ID and "
                "AICORE_CLIENT_SECRET) and the token URL (AICORE_AUTH_URL)"
            )
        return (
            "client id and certificate (the service key's clientid, certificate and key, or "
            "AICORE_CLIENT_ID with AICORE_CERT_STR/AICORE_KEY_STR or AICORE_CERT_FILE_PATH/"
            "AICORE_KEY_FILE_PATH) and the certificate token URL (certurl / AICORE_CERT_URL)"
        )

    # -- the deployment ----------------------------------------------------------------------------

    def _deployments(self, root: str) -> TokenManager:
        return _manager("SAP AI Core deployment lookup", root, self.resource_group, SCENARIO, margin=0.0)

    def _discover(self, root: str, token: str) -> TokenFlow:
        query = urlencode({"scenarioId": SCENARIO, "status": "RUNNING"})
        headers = {"authorization": f"Bearer {token}", "ai-resource-group": self.resource_group}
        headers["accept"] = "application/json"
        resp = yield HttpRequest("GET", f"{root}/lm/deployments?{query}", headers)
        where = f"in resource group {self.resource_group!r}"
        if resp.status != 200:
            fix = (
                "Check the resource group (resource_group= / AICORE_RESOURCE_GROUP) and the AI API URL "
                "(AICORE_BASE_URL or the service key's serviceurls.AI_API_URL)"
            )
            raise _api_error(resp, f"looking up the orchestration deployment {where}", fix)
        body = _json(resp)
        resources = body.get("resources") if isinstance(body, dict) else None
        if not isinstance(resources, list):
            raise ResponseDecodeError(
                "the AI Core deployments list is not {count, resources[]}", provider="sap", snippet=resp.body
            )
        for item in resources:
            if not isinstance(item, dict) or item.get("status", "RUNNING") != "RUNNING":
                continue
            if item.get("scenarioId", SCENARIO) != SCENARIO:
                continue
            found = item.get("id")
            if isinstance(found, str) and _DEPLOYMENT_ID.fullmatch(found):
                return found, self._deployments(root).clock() + DEPLOYMENT_TTL
            raise ProviderError(
                "the AI Core deployments list answered a deployment id that cannot go into a URL",
                provider="sap",
            )
        raise NotFoundError(
            f"no RUNNING orchestration deployment {where}: create one (scenario 'orchestration') in "
            "SAP AI Launchpad, pick another resource group (resource_group= / AICORE_RESOURCE_GROUP), "
            "or pass deployment_id= (AICORE_DEPLOYMENT_ID)",
            status_code=404,
            provider="sap",
        )

    def _root(self, head: str) -> str:
        """The AI API root (…/v2) the dialect's URL starts with, the service key's for the placeholder."""
        if not head.startswith(SERVICE_KEY_URL):
            return head
        if self.api_url is None:
            raise ConfigurationError(
                "sap: no AI API URL: set AICORE_BASE_URL (or pass base_url=), or give a service key "
                "(service_key= / AICORE_SERVICE_KEY), whose serviceurls.AI_API_URL is used"
            )
        root = self.api_url + head[len(SERVICE_KEY_URL) :]
        return root if root.endswith("/v2") else root.rstrip("/") + "/v2"

    # -- the flow ----------------------------------------------------------------------------------

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._token_request)
        put(request.headers, "authorization", f"Bearer {token}")
        put(request.headers, "ai-resource-group", self.resource_group)
        head, slot, tail = request.url.partition("/inference/deployments/" + DEPLOYMENT_SLOT)
        if slot:
            root = self._root(head)
            deployment = self._deployment
            if deployment is None:
                deployment = yield from self._deployments(root).token_flow(
                    lambda: self._discover(root, token)
                )
            request.url = f"{root}/inference/deployments/{deployment}{tail}"
        return request

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 401: the token may have been revoked or expired early; forget it for one resend."""
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def address_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 404 from a discovered deployment (deleted, or replaced): forget it for one resend."""
        if self._deployment is not None:
            return False
        head, sep, rest = sent.url.partition("/inference/deployments/")
        deployment = rest.partition("/")[0]
        return bool(sep and deployment) and self._deployments(head).invalidate(deployment)

    def __repr__(self) -> str:
        return f"SapAuth(client_id={self.credentials.client_id!r}, resource_group={self.resource_group!r})"


def _build(inputs: AuthInputs) -> SapAuth:
    opts: Mapping[str, Any] = inputs.options
    env = os.environ
    credentials = credentials_from(opts, env)
    if "resource_group" in opts:
        group, source = str(opts["resource_group"]), "resource_group="
    else:
        group, source = env.get("AICORE_RESOURCE_GROUP") or "default", "AICORE_RESOURCE_GROUP"
    group = check_param("sap", "resource_group", group, "", _RESOURCE_GROUP, source)
    deployment = opts.get("deployment_id") or env.get("AICORE_DEPLOYMENT_ID") or None
    if deployment is not None:
        where = "deployment_id=" if opts.get("deployment_id") else "AICORE_DEPLOYMENT_ID"
        deployment = check_param("sap", "deployment_id", str(deployment), "", _DEPLOYMENT_ID.pattern, where)
    return SapAuth(credentials, group, deployment)


# The ``auth_factory`` of the ``sap`` spec.
sap_auth = AuthFactory(_build, OPTIONS, ENV)
