"""Check a received request's AWS Signature Version 4, as an AWS endpoint would.

The emulator uses it to hold llmkit's signer (and any other client) to what
Bedrock and SageMaker accept. Pure code: the caller passes the clock value.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from llmkit.auth.aws_credentials import AwsCredentials
from llmkit.auth.sigv4_canonical import (
    _TERMINATOR,
    ALGORITHM,
    UNSIGNED_PAYLOAD,
    _body_sha256,
    _canonical_request,
    _group_headers,
    _header_value,
    _scope,
    _signature,
    _string_to_sign,
    _utc,
)

__all__ = ["SigV4Failure", "SigV4Verification", "verify_signature"]

_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"


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

    body_hash = _body_sha256(body)
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
    scope = _scope(scope_date, scope_region, scope_service)
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
