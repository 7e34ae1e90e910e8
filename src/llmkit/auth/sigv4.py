"""AWS Signature Version 4: sign a request, resolve credentials, verify a signature.

Pure code: the signer takes the request parts and a clock value and returns the
headers to add. Nothing here reads the clock, sleeps or opens a socket, except
``resolve_credentials`` / ``credential_source`` when they fall back to
botocore's credential chain (an optional extra, imported only then).

The canonical request follows the rules botocore applies to every service but
S3 (and is tested byte for byte against ``botocore.auth.SigV4Auth``):

- the URI path is normalized (dot segments and empty segments removed) and
  percent-encoded once more on top of the encoding it already has on the wire,
  so a Bedrock model id ``...-v1:0`` sent as ``...-v1%3A0`` is signed as
  ``...-v1%253A0``. The ``url`` given to :func:`sign_headers` must therefore
  be the exact URL that goes on the wire;
- query keys and values are percent-decoded, re-encoded with only ``-_.~``
  left bare, and sorted by key then value;
- every header given is signed (lower-cased, values whitespace-collapsed),
  except the hop-by-hop and tracing headers botocore also leaves out, and
  ``host`` is added from the URL when absent.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from llmkit._redact import mask, register_secret
from llmkit.errors import ConfigurationError

if TYPE_CHECKING:
    from llmkit.wire import HttpRequest

__all__ = [
    "ALGORITHM",
    "UNSIGNED_PAYLOAD",
    "AwsCredentials",
    "SigV4Failure",
    "SigV4Verification",
    "canonical_query_string",
    "canonical_uri",
    "credential_source",
    "resolve_credentials",
    "resolve_region",
    "sign_headers",
    "sign_http_request",
    "verify_signature",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_TERMINATOR = "aws4_request"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_QUERY_SAFE = "-_.~"
_PATH_SAFE = "/~"

# Headers never signed: hop-by-hop headers a proxy or HTTP client may rewrite,
# tracing headers, and User-Agent (the same set botocore leaves out).
_UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signer itself produces; stale copies in the input are replaced.
_OUTPUT_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})

ENV_ACCESS_KEY = "AWS_ACCESS_KEY_ID"
ENV_SECRET_KEY = "AWS_SECRET_ACCESS_KEY"
ENV_SESSION_TOKEN = "AWS_SESSION_TOKEN"
ENV_REGIONS = ("AWS_REGION", "AWS_DEFAULT_REGION")


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True, slots=True, repr=False)
class AwsCredentials:
    """One set of AWS credentials. Its ``repr`` never shows them."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __post_init__(self) -> None:
        register_secret(self.secret_key)
        register_secret(self.session_token)

    def __repr__(self) -> str:
        return (
            f"AwsCredentials(access_key={mask(self.access_key)}, secret_key={mask(self.secret_key)}, "
            f"session_token={mask(self.session_token)})"
        )


def _missing_credentials_error(extra: str = "") -> ConfigurationError:
    return ConfigurationError(
        "No AWS credentials found. Pass access_key/secret_key, or set the environment variables "
        f"{ENV_ACCESS_KEY} and {ENV_SECRET_KEY} (plus {ENV_SESSION_TOKEN} for temporary credentials), "
        "or install botocore (pip install 'llmkit[aws]') to use the AWS shared config, SSO, "
        f"web identity and instance-role credentials.{extra}"
    )


def credential_source(
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> Callable[[], AwsCredentials]:
    """Find credentials and return a function giving the current ones.

    Order: explicit arguments; ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
    (/ ``AWS_SESSION_TOKEN``); then, if botocore is installed, its full chain
    (shared files, SSO, assume-role, web identity, container and instance
    roles). Botocore's refreshable credentials are re-frozen on every call, so
    botocore refreshes them before they expire. A ``profile`` skips the
    environment variables and goes straight to botocore, as the AWS CLI does.

    Raises ``ConfigurationError`` when nothing is found.
    """
    if access_key is not None or secret_key is not None:
        if not access_key or not secret_key:
            raise ConfigurationError("AWS credentials need both access_key and secret_key.")
        fixed = AwsCredentials(access_key, secret_key, session_token or None)
        return lambda: fixed
    if session_token:
        raise ConfigurationError("An AWS session_token was given without access_key and secret_key.")

    env = os.environ if environ is None else environ
    if profile is None:
        env_key = env.get(ENV_ACCESS_KEY) or None
        env_secret = env.get(ENV_SECRET_KEY) or None
        if env_key and env_secret:
            from_env = AwsCredentials(env_key, env_secret, env.get(ENV_SESSION_TOKEN) or None)
            return lambda: from_env
        if env_key or env_secret:
            have, lack = (ENV_ACCESS_KEY, ENV_SECRET_KEY) if env_key else (ENV_SECRET_KEY, ENV_ACCESS_KEY)
            raise ConfigurationError(f"{have} is set but {lack} is not; set both.")

    if use_botocore:
        source = _botocore_source(profile)
        if source is not None:
            return source
    elif profile is not None:
        raise ConfigurationError("An AWS profile needs botocore (pip install 'llmkit[aws]').")
    raise _missing_credentials_error()


def resolve_credentials(
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> AwsCredentials:
    """The current credentials, found as :func:`credential_source` describes."""
    return credential_source(
        access_key, secret_key, session_token, profile=profile, environ=environ, use_botocore=use_botocore
    )()


def _import_botocore_session() -> Any:
    # Imported by name so that llmkit neither loads botocore nor needs its type stubs.
    return importlib.import_module("botocore.session")


def _botocore_source(profile: str | None) -> Callable[[], AwsCredentials] | None:
    try:
        session_module = _import_botocore_session()
    except ImportError:
        if profile is not None:
            raise ConfigurationError(
                f"AWS profile {profile!r} needs botocore (pip install 'llmkit[aws]')."
            ) from None
        return None
    try:
        found: Any = session_module.Session(profile=profile).get_credentials()
    except Exception as exc:  # botocore raises many kinds (ProfileNotFound, partial creds, ...)
        raise ConfigurationError(f"botocore could not load AWS credentials: {exc}") from exc
    if found is None:
        return None
    botocore_credentials: Any = found

    def current() -> AwsCredentials:
        frozen = (
            botocore_credentials.get_frozen_credentials()
            if hasattr(botocore_credentials, "get_frozen_credentials")
            else botocore_credentials
        )
        if not frozen.access_key or not frozen.secret_key:
            raise _missing_credentials_error(" (botocore returned incomplete credentials)")
        return AwsCredentials(str(frozen.access_key), str(frozen.secret_key), frozen.token or None)

    current()  # fail now, not at the first request, if they cannot be frozen
    return current


def resolve_region(
    region: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> str:
    """The region: explicit, then ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then botocore's config."""
    if region:
        return region
    env = os.environ if environ is None else environ
    for name in ENV_REGIONS:
        value = env.get(name)
        if value:
            return value
    if use_botocore:
        try:
            session_module = _import_botocore_session()
        except ImportError:
            pass
        else:
            try:
                configured: Any = session_module.Session(profile=profile).get_config_variable("region")
            except Exception as exc:
                raise ConfigurationError(f"botocore could not read the AWS region: {exc}") from exc
            if configured:
                return str(configured)
    raise ConfigurationError(
        "No AWS region configured. Pass region=..., or set AWS_REGION (or AWS_DEFAULT_REGION)."
    )


# --------------------------------------------------------------------------- canonical form


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, plus dropping empty segments (AWS collapses "//").
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


@lru_cache(maxsize=256)
def canonical_uri(path: str) -> str:
    """The canonical URI of a wire path (already percent-encoded), for non-S3 services."""
    return quote(_remove_dot_segments(path), safe=_PATH_SAFE)


def _encode_query_part(part: str) -> str:
    return quote(unquote_to_bytes(part), safe=_QUERY_SAFE)


def canonical_query_string(query: str) -> str:
    """Canonical form of a raw query string: each part decoded, re-encoded, then sorted."""
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        key, _, value = item.partition("=")
        pairs.append((_encode_query_part(key), _encode_query_part(value)))
    pairs.sort()
    return "&".join(f"{key}={value}" for key, value in pairs)


@lru_cache(maxsize=64)
def _host_from_url(scheme: str, netloc: str) -> str:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    return host


def _group_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def _header_value(values: list[str]) -> str:
    return ",".join(" ".join(value.split()) for value in values)


def _canonical_request(
    method: str,
    path: str,
    query: str,
    signed: Mapping[str, list[str]],
    payload_hash: str,
) -> tuple[str, str]:
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{_header_value(signed[name])}\n" for name in names)
    signed_headers = ";".join(names)
    request = "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            canonical_headers,
            signed_headers,
            payload_hash,
        )
    )
    return request, signed_headers


@lru_cache(maxsize=64)
def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret_key}".encode()
    for part in (date, region, service, _TERMINATOR):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def _string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def _signature(secret_key: str, timestamp: str, region: str, service: str, string_to_sign: str) -> str:
    key = _signing_key(secret_key, timestamp[:8], region, service)
    return hmac.digest(key, string_to_sign.encode(), "sha256").hex()


def _amz_timestamp(m: datetime) -> str:
    # The same text as strftime("%Y%m%dT%H%M%SZ"), at half its cost.
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --------------------------------------------------------------------------- signing


def sign_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: datetime,
    *,
    unsigned_payload: bool = False,
    content_sha256_header: bool = False,
) -> dict[str, str]:
    """The headers that sign this request: ``Authorization``, ``X-Amz-Date``, and when
    needed ``X-Amz-Security-Token`` and ``X-Amz-Content-SHA256``.

    ``url`` must be the URL exactly as it will be sent (path percent-encoded).
    ``now`` is the signing time; a naive datetime is taken as UTC. All of
    ``headers`` are signed except hop-by-hop ones and ``User-Agent``; any
    ``Authorization``, ``X-Amz-Date`` or ``X-Amz-Security-Token`` in them is
    ignored and replaced. An ``X-Amz-Content-SHA256`` already present is used
    as the payload hash. ``unsigned_payload`` signs the literal
    ``UNSIGNED-PAYLOAD`` instead of the body hash (and sends it in
    ``X-Amz-Content-SHA256``); ``content_sha256_header`` sends the body hash
    in that header, as S3-style services require.
    """
    parts = urlsplit(url)
    timestamp = _amz_timestamp(_utc(now))
    signed = {
        name: values
        for name, values in _group_headers(headers).items()
        if name not in _UNSIGNED_HEADERS and name not in _OUTPUT_HEADERS
    }
    if "host" not in signed:
        signed["host"] = [_host_from_url(parts.scheme, parts.netloc)]

    added: dict[str, str] = {"X-Amz-Date": timestamp}
    signed["x-amz-date"] = [timestamp]
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
        signed["x-amz-security-token"] = [credentials.session_token]

    if "x-amz-content-sha256" in signed and not unsigned_payload:
        payload_hash = _header_value(signed["x-amz-content-sha256"])
    else:
        if unsigned_payload:
            payload_hash = UNSIGNED_PAYLOAD
        else:
            payload_hash = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        if unsigned_payload or content_sha256_header:
            added["X-Amz-Content-SHA256"] = payload_hash
            signed["x-amz-content-sha256"] = [payload_hash]

    canonical, signed_headers = _canonical_request(method, parts.path, parts.query, signed, payload_hash)
    scope = f"{timestamp[:8]}/{region}/{service}/{_TERMINATOR}"
    signature = _signature(
        credentials.secret_key, timestamp, region, service, _string_to_sign(timestamp, scope, canonical)
    )
    added["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return added


def sign_http_request(
    request: HttpRequest,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: datetime,
    *,
    unsigned_payload: bool = False,
    content_sha256_header: bool = False,
) -> None:
    """Sign an ``HttpRequest`` in place (replacing any earlier signature headers)."""
    added = sign_headers(
        request.method,
        request.url,
        request.headers,
        request.body,
        credentials,
        region,
        service,
        now,
        unsigned_payload=unsigned_payload,
        content_sha256_header=content_sha256_header,
    )
    replaced = {name.lower() for name in added}
    for name in [name for name in request.headers if name.lower() in replaced]:
        del request.headers[name]
    request.headers.update(added)


# --------------------------------------------------------------------------- verifying


class SigV4Failure(enum.Enum):
    """Why a signature was refused, with the error code AWS services usually answer."""

    MISSING = "missing authorization"
    MALFORMED = "malformed authorization"
    SCOPE_MISMATCH = "credential scope mismatch"
    UNKNOWN_ACCESS_KEY = "unknown access key"
    INVALID_TOKEN = "invalid security token"
    SKEWED = "request time too skewed"
    MISMATCH = "signature mismatch"

    @property
    def aws_error_code(self) -> str:
        return _AWS_ERROR_CODES[self]


_AWS_ERROR_CODES = {
    SigV4Failure.MISSING: "MissingAuthenticationTokenException",
    SigV4Failure.MALFORMED: "IncompleteSignatureException",
    SigV4Failure.SCOPE_MISMATCH: "InvalidSignatureException",
    SigV4Failure.UNKNOWN_ACCESS_KEY: "UnrecognizedClientException",
    SigV4Failure.INVALID_TOKEN: "UnrecognizedClientException",
    SigV4Failure.SKEWED: "InvalidSignatureException",
    SigV4Failure.MISMATCH: "InvalidSignatureException",
}


@dataclass(frozen=True, slots=True)
class SigV4Verification:
    """The outcome of :func:`verify_signature`. ``failure`` is None when it is valid."""

    failure: SigV4Failure | None
    message: str
    access_key: str | None = None
    region: str | None = None
    service: str | None = None
    # What this side computed, for "the canonical string should have been ..." replies.
    canonical_request: str | None = field(default=None, repr=False)
    string_to_sign: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.failure is None


def _parse_authorization(value: str) -> dict[str, str] | None:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            return None
        fields[key] = val.strip()
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    return fields


def _request_time(grouped: Mapping[str, list[str]]) -> tuple[str, datetime] | None:
    if "x-amz-date" in grouped:
        raw = grouped["x-amz-date"][0].strip()
        try:
            moment = datetime.strptime(raw, _TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return None
        return raw, moment
    if "date" in grouped:
        try:
            moment = _utc(parsedate_to_datetime(grouped["date"][0]))
        except (TypeError, ValueError):
            return None
        return moment.strftime(_TIMESTAMP_FORMAT), moment
    return None


def verify_signature(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | None,
    credentials: AwsCredentials | Mapping[str, AwsCredentials],
    now: datetime,
    *,
    max_skew: timedelta = timedelta(minutes=5),
    region: str | None = None,
    service: str | None = None,
) -> SigV4Verification:
    """Check a received request's SigV4 signature, as an AWS endpoint would.

    ``path`` and ``query`` are the raw request-target parts as received (still
    percent-encoded). ``credentials`` is the one known set, or a map from
    access key id to credentials. ``region`` / ``service``, when given, must
    match the credential scope. A request dated more than ``max_skew`` away
    from ``now`` fails with ``SKEWED`` even if its signature is right.
    """
    grouped = _group_headers(headers)
    if "authorization" not in grouped:
        return SigV4Verification(SigV4Failure.MISSING, "Missing Authentication Token")
    fields = _parse_authorization(grouped["authorization"][0])
    if fields is None:
        return SigV4Verification(
            SigV4Failure.MALFORMED,
            f"Authorization header requires {ALGORITHM} with Credential, SignedHeaders and Signature.",
        )
    scope_parts = fields["Credential"].rsplit("/", 4)
    if len(scope_parts) != 5 or scope_parts[4] != _TERMINATOR or not scope_parts[0]:
        return SigV4Verification(
            SigV4Failure.MALFORMED, "Credential must be <key>/<date>/<region>/<service>/aws4_request."
        )
    access_key, scope_date, scope_region, scope_service, _ = scope_parts
    found = _request_time(grouped)
    if found is None:
        return SigV4Verification(
            SigV4Failure.MALFORMED, "The request needs a valid X-Amz-Date (or Date) header.", access_key
        )
    timestamp, moment = found
    signed_names = fields["SignedHeaders"].split(";")
    if "host" not in signed_names:
        return SigV4Verification(SigV4Failure.MALFORMED, "The host header must be signed.", access_key)
    absent = [name for name in signed_names if name not in grouped]
    if absent:
        return SigV4Verification(
            SigV4Failure.MALFORMED, f"Signed headers are missing: {', '.join(absent)}.", access_key
        )
    if scope_date != timestamp[:8]:
        return SigV4Verification(
            SigV4Failure.SCOPE_MISMATCH,
            f"Credential date {scope_date} does not match request date {timestamp[:8]}.",
            access_key,
        )
    if (region is not None and scope_region != region) or (service is not None and scope_service != service):
        return SigV4Verification(
            SigV4Failure.SCOPE_MISMATCH,
            f"Credential should be scoped to {region or scope_region}/{service or scope_service}, "
            f"not {scope_region}/{scope_service}.",
            access_key,
        )

    known = credentials if isinstance(credentials, Mapping) else {credentials.access_key: credentials}
    creds = known.get(access_key)
    if creds is None:
        return SigV4Verification(
            SigV4Failure.UNKNOWN_ACCESS_KEY,
            "The security token included in the request is invalid.",
            access_key,
        )
    sent_token = grouped.get("x-amz-security-token", [""])[0]
    if not hmac.compare_digest((creds.session_token or "").encode(), sent_token.encode()):
        return SigV4Verification(
            SigV4Failure.INVALID_TOKEN, "The security token included in the request is invalid.", access_key
        )

    skew = abs(_utc(now) - moment)
    if skew > max_skew:
        when = _utc(now).strftime(_TIMESTAMP_FORMAT)
        late = moment < _utc(now)
        return SigV4Verification(
            SigV4Failure.SKEWED,
            f"Signature {'expired' if late else 'not yet current'}: {timestamp} is "
            f"{'now earlier' if late else 'still later'} than {when} "
            f"({'-' if late else '+'} {int(max_skew.total_seconds() // 60)} min.)",
            access_key,
            scope_region,
            scope_service,
        )

    body_hash = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    if "x-amz-content-sha256" in grouped:
        payload_hash = _header_value(grouped["x-amz-content-sha256"])
        if payload_hash != UNSIGNED_PAYLOAD and payload_hash != body_hash:
            return SigV4Verification(
                SigV4Failure.MISMATCH,
                "The provided x-amz-content-sha256 header does not match what was computed.",
                access_key,
                scope_region,
                scope_service,
            )
    else:
        payload_hash = body_hash

    signed = {name: grouped[name] for name in signed_names}
    canonical, _ = _canonical_request(method, path, query, signed, payload_hash)
    scope = f"{scope_date}/{scope_region}/{scope_service}/{_TERMINATOR}"
    string_to_sign = _string_to_sign(timestamp, scope, canonical)
    expected = _signature(creds.secret_key, timestamp, scope_region, scope_service, string_to_sign)
    if not hmac.compare_digest(expected.encode(), fields["Signature"].encode()):
        return SigV4Verification(
            SigV4Failure.MISMATCH,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
            access_key,
            scope_region,
            scope_service,
            canonical,
            string_to_sign,
        )
    return SigV4Verification(None, "ok", access_key, scope_region, scope_service, canonical, string_to_sign)
