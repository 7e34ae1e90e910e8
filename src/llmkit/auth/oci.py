"""OCI request signing for Oracle Cloud Infrastructure Generative AI (``oci/`` models).

Credentials, in order: an oci SDK signer given as ``signer=``; instance or resource principals
(``auth_type=`` / ``OCI_CLI_AUTH``: ``instance_principal``, ``resource_principal``) through the
oci SDK's signers (the ``llmkit[oci]`` extra), run off the event loop; else an API signing key,
from explicit values (``tenancy=``, ``user=``, ``fingerprint=``, ``key_file=`` or
``key_content=``, ``pass_phrase=``, or the OCI CLI's ``OCI_CLI_*`` variables) over the
``~/.oci/config`` profile (``llmkit.auth.oci_config``). A profile with a
``security_token_file`` (``oci session authenticate``) signs with keyId ``ST$<token>`` when
``auth_type="security_token"``, or when it names no ``user``.

Each attempt is signed as it goes out (the retry loop runs the flow per attempt), so a resend
carries a fresh ``date``; the signer (``llmkit.auth.oci_signer``) is the last to touch the request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmkit._headers import put
from llmkit._redact import register_secret
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs, Blocking, guarded
from llmkit.auth.oci_config import (
    ENV_CLI_CONFIG_FILE,
    ENV_CONFIG_FILE,
    ENV_PROFILES,
    FINGERPRINT,
    OCID,
    Profile,
    load_profile,
)
from llmkit.auth.oci_signer import load_private_key, sign
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest

__all__ = ["OPTIONS", "OciSignatureAuth", "SdkSignerAuth", "oci_auth"]

# keyword option -> the OCI CLI's environment variable for it
EXPLICIT = {
    "tenancy": "OCI_CLI_TENANCY",
    "user": "OCI_CLI_USER",
    "fingerprint": "OCI_CLI_FINGERPRINT",
    "key_file": "OCI_CLI_KEY_FILE",
    "key_content": "OCI_CLI_KEY_CONTENT",
    "pass_phrase": "OCI_CLI_PASSPHRASE",
    "security_token_file": "OCI_CLI_SECURITY_TOKEN_FILE",
}
ENV_AUTH = "OCI_CLI_AUTH"
AUTH_TYPES = ("api_key", "security_token", "instance_principal", "resource_principal")
OPTIONS = frozenset({*EXPLICIT, "profile", "config_file", "auth_type", "signer"})
_ENV = (ENV_CONFIG_FILE, ENV_CLI_CONFIG_FILE, *ENV_PROFILES, ENV_AUTH, *EXPLICIT.values())


def _text(opts: Mapping[str, Any], name: str) -> str | None:
    value = opts.get(name)
    if value is None:
        value = os.environ.get(EXPLICIT[name]) if name in EXPLICIT else None
        return value or None
    if not isinstance(value, str):
        raise ConfigurationError(f"oci: {name}= must be a string")
    return value or None


def _named(name: str) -> str:
    env = EXPLICIT.get(name)
    return f"{name}= (or {env})" if env else f"{name}="


class _TokenFile:
    """A session token file, read again whenever it changes (``oci session refresh`` rewrites it)."""

    __slots__ = ("_lock", "_path", "_stamp", "_token")

    def __init__(self, path: str) -> None:
        self._path = Path(path).expanduser()
        self._stamp: tuple[int, int] | None = None
        self._token = ""
        self._lock = threading.Lock()

    def __call__(self) -> str:
        try:
            stat = self._path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            with self._lock:
                if stamp != self._stamp:
                    token = self._path.read_text(encoding="utf-8").strip()
                    if not token:
                        raise ConfigurationError(f"the OCI session token file {self._path} is empty")
                    register_secret(token)
                    self._token, self._stamp = token, stamp
                return self._token
        except OSError as exc:
            raise ConfigurationError(
                f"the OCI session token file {self._path} cannot be read ({type(exc).__name__}): "
                "run oci session authenticate, or fix security_token_file in the profile"
            ) from None


@dataclass(slots=True)
class OciSignatureAuth:
    """Signs each request with an API signing key (keyId ``tenancy/user/fingerprint``) or a
    session token (keyId ``ST$<token>``)."""

    key_id: Callable[[], str]
    private_key: Any

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover  (makes this a generator)

    def apply(self, request: HttpRequest) -> HttpRequest:
        content_type = next(
            (v for k, v in request.headers.items() if k.lower() == "content-type"), "application/json"
        )
        headers = sign(
            request.method,
            request.url,
            request.body,
            self.key_id(),
            self.private_key,
            content_type=content_type,
        )
        for name, value in headers.items():
            put(request.headers, name, value)
        return request

    def __repr__(self) -> str:
        return "OciSignatureAuth(key_id=..., private_key=...)"


class _Shim:
    """What the oci SDK's signers read from a ``requests`` request, and nothing more."""

    def __init__(self, request: HttpRequest) -> None:
        self.method = request.method
        self.url = request.url
        self.body = request.body or b""
        self.headers: dict[str, str] = {k.lower(): v for k, v in request.headers.items()}
        self.headers["content-length"] = str(len(self.body))
        path = request.url.split("://", 1)[-1]
        self.path_url = "/" + path.split("/", 1)[1] if "/" in path else "/"


class SdkSignerAuth:
    """Signs through an oci SDK signer (instance/resource principals, or a caller's own): the
    signer may fetch or refresh its token over the network, so it runs as a ``Blocking`` call."""

    __slots__ = ("_find", "_lock", "_signer")

    def __init__(self, find: Callable[[], Any]) -> None:
        self._find = find
        self._signer: Any = None
        self._lock = threading.Lock()

    def _sign(self, request: HttpRequest) -> dict[str, str]:
        with self._lock:
            if self._signer is None:
                self._signer = guarded(self._find, "creating the OCI signer")
        shim = _Shim(request)
        guarded(lambda: self._signer(shim), "signing the OCI request")
        signed = {k.lower(): str(v) for k, v in shim.headers.items()}
        register_secret(signed.get("authorization", "").rpartition('signature="')[2])
        return signed

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        signed = yield Blocking(lambda: self._sign(request))
        for name in ("date", "host", "content-length", "content-type", "x-content-sha256", "authorization"):
            if name in signed:
                put(request.headers, name, signed[name])
        return request

    def __repr__(self) -> str:
        return "SdkSignerAuth(signer=...)"


def _principal(kind: str) -> Callable[[], Any]:
    def make() -> Any:
        try:
            from oci.auth import signers  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            raise ConfigurationError(
                f"oci: auth_type={kind!r} needs the oci SDK: pip install 'llmkit[oci]'"
            ) from None
        if kind == "instance_principal":
            return signers.InstancePrincipalsSecurityTokenSigner()
        return signers.get_resource_principals_signer()

    return make


def _profile(opts: Mapping[str, Any], needed: bool) -> Profile | None:
    try:
        return load_profile(_text(opts, "config_file"), _text(opts, "profile"))
    except ConfigurationError:
        if needed:
            raise
        return None


def _value(opts: Mapping[str, Any], profile: Profile | None, name: str) -> str | None:
    return _text(opts, name) or (profile.get(name) if profile is not None else None)


def _key(opts: Mapping[str, Any], profile: Profile | None) -> Any:
    pass_phrase = _value(opts, profile, "pass_phrase")
    register_secret(pass_phrase)
    content = _value(opts, profile, "key_content")
    if content:
        register_secret(content)
        return load_private_key(content.encode("ascii", "replace"), pass_phrase, where="key_content")
    path = _value(opts, profile, "key_file")
    if not path:
        raise ConfigurationError(
            f"oci needs a private key: pass {_named('key_file')} or key_content=, "
            "or set key_file in the ~/.oci/config profile"
        )
    file = Path(path).expanduser()
    try:
        pem = file.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"oci: the key_file {file} cannot be read ({type(exc).__name__})") from None
    register_secret(pem.decode("ascii", "replace"))
    return load_private_key(pem, pass_phrase, where=f"the key_file {file}")


def _checked(name: str, value: str | None, rule: Any, what: str) -> str:
    if not value:
        raise ConfigurationError(f"oci needs {_named(name)}, or {name} in the ~/.oci/config profile")
    if rule.fullmatch(value) is None:
        # The value is not echoed: a misplaced secret must not reach an error message.
        raise ConfigurationError(f"oci: {name} is not {what}")
    return value


def _signature_auth(opts: Mapping[str, Any], auth_type: str) -> Auth:
    explicit = all(_text(opts, n) for n in ("tenancy", "user", "fingerprint")) and (
        _text(opts, "key_file") or _text(opts, "key_content")
    )
    profile = _profile(opts, needed=not explicit)
    token_file = _value(opts, profile, "security_token_file")
    if auth_type == "security_token" or (token_file and not _value(opts, profile, "user")):
        if not token_file:
            raise ConfigurationError(f"oci: auth_type='security_token' needs {_named('security_token_file')}")
        token = _TokenFile(token_file)
        token()  # fail now on a missing file, not at the first request
        return OciSignatureAuth(lambda: "ST$" + token(), _key(opts, profile))
    tenancy = _checked("tenancy", _value(opts, profile, "tenancy"), OCID, "an OCID (ocid1.tenancy.oc1..…)")
    user = _checked("user", _value(opts, profile, "user"), OCID, "an OCID (ocid1.user.oc1..…)")
    fingerprint = _checked(
        "fingerprint", _value(opts, profile, "fingerprint"), FINGERPRINT, "16 lower-case hex pairs (aa:bb:…)"
    )
    key_id = f"{tenancy}/{user}/{fingerprint}"
    return OciSignatureAuth(lambda: key_id, _key(opts, profile))


_principals: dict[str, SdkSignerAuth] = {}
_principals_lock = threading.Lock()


def _build(inputs: AuthInputs) -> Auth:
    opts = inputs.options
    signer = opts.get("signer")
    if signer is not None:
        if not callable(signer):
            raise ConfigurationError("oci: signer= must be an oci SDK signer (oci.signer.Signer, ...)")
        return SdkSignerAuth(lambda: signer)
    auth_type = _text(opts, "auth_type") or os.environ.get(ENV_AUTH) or "api_key"
    if auth_type not in AUTH_TYPES:
        raise ConfigurationError(f"oci: auth_type (or {ENV_AUTH}) must be one of {', '.join(AUTH_TYPES)}")
    if auth_type in ("instance_principal", "resource_principal"):
        with _principals_lock:
            # One per process: the SDK's signer holds the federated token and refreshes it itself.
            found = _principals.get(auth_type)
            if found is None:
                found = _principals[auth_type] = SdkSignerAuth(_principal(auth_type))
        return found
    return _signature_auth(opts, auth_type)


def _params(options: Mapping[str, Any]) -> Mapping[str, str]:
    """The region of the ~/.oci/config profile, when the call names none (none if unreadable)."""
    if options.get("signer") is not None:
        return {}
    profile = _profile(options, needed=False)
    region = profile.get("region") if profile is not None else None
    return {"region": region} if region else {}


# The ``auth_factory`` of the ``oci`` spec.
oci_auth = AuthFactory(_build, OPTIONS, _ENV, _params)
