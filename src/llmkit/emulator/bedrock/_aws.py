"""The AWS parts Bedrock and SageMaker share: the test credentials, SigV4 checking, AWS's error replies."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from llmkit.auth.sigv4 import AwsCredentials
from llmkit.auth.sigv4_verify import SigV4Failure, verify_signature
from llmkit.emulator.profiles import Profile
from llmkit.emulator.server import EmuRequest, Reply

# The only credentials the emulator accepts. Fake, for tests and demos.
ACCESS_KEY = "AKIDEMULATOR"
SECRET_KEY = "emulator/FAKE+secret/key/not-a-real-one0"
# Temporary credentials: the session token must come with them.
SESSION_ACCESS_KEY = "ASIAEMULATOR"
SESSION_SECRET_KEY = "emulator/FAKE+session+secret/not-real00"
SESSION_TOKEN = "FwoGZXIvYXdzEMULATOR//fake-session-token"
# A Bedrock API key (sent as a bearer token) the bedrock profile accepts instead of SigV4.
BEDROCK_API_KEY = "ABSKemulatorFAKEbedrockApiKey"
# The region a request's credential scope must name.
REGION = "us-east-1"

CREDENTIALS = {
    ACCESS_KEY: AwsCredentials(ACCESS_KEY, SECRET_KEY),
    SESSION_ACCESS_KEY: AwsCredentials(SESSION_ACCESS_KEY, SESSION_SECRET_KEY, SESSION_TOKEN),
}

# The namespace AWS services append to x-amzn-ErrorType.
_NAMESPACE = {
    "bedrock": "http://internal.amazon.com/coral/com.amazon.bedrock/",
    "sagemaker": "http://internal.amazon.com/coral/com.amazon.sagemaker/",
}


def request_id() -> str:
    return str(uuid.uuid4())


def aws_error(service: str, status: int, error_type: str, body: dict[str, Any]) -> Reply:
    """An AWS rest-json error: the type in ``x-amzn-ErrorType``, a JSON body, a request id."""
    namespace = _NAMESPACE.get(service, "")
    headers = {
        "content-type": "application/json",
        "x-amzn-ErrorType": f"{error_type}:{namespace}" if namespace else error_type,
        "x-amzn-RequestId": request_id(),
    }
    return Reply(status, headers, json.dumps(body).encode())


def check_sigv4(req: EmuRequest, profile: Profile, service: str, now: datetime | None = None) -> Reply | None:
    """None when the request carries a valid SigV4 signature for ``service``; else AWS's 403."""
    verdict = verify_signature(
        req.method,
        req.full_path,
        urlencode(req.query),
        req.headers,
        req.body,
        CREDENTIALS,
        now or datetime.now(UTC),
        region=str(profile.extra.get("region", REGION)),
        service=service,
    )
    if verdict.ok:
        return None
    failure = verdict.failure
    assert failure is not None
    message = verdict.message
    if failure is SigV4Failure.MISMATCH and verdict.canonical_request is not None:
        # AWS echoes what it computed, so a client can see where its canonical form differs.
        message = (
            f"{message}\n\nThe Canonical String for this request should have been\n'"
            f"{verdict.canonical_request}'\n\nThe String-to-Sign should have been\n'"
            f"{verdict.string_to_sign}'\n"
        )
    return aws_error(service, 403, failure.aws_error_code, {"message": message})
