"""Key and header checks, answered with each provider's own status, code, message and shape."""

from __future__ import annotations

from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply


def _key_error(profile: Profile, missing: bool, key: str = "") -> Reply:
    """A rejected or missing key, with the provider's own status, code, message and shape."""
    x = profile.extra
    if missing:
        where = " or ".join(h for h, _ in profile.auth_headers)
        msg = x.get("missing_key_message") or (
            f"You didn't provide an API key. You need to provide your API key in the {where} header."
        )
        status = x.get("missing_key_status", profile.bad_key_status)
        code = x.get("missing_key_code", "missing_api_key")
    else:
        # Echo the key as OpenAI does, so clients' redaction is exercised.
        msg = x.get("bad_key_message") or (
            f"Incorrect API key provided: {key}. You can find your API key in your account settings."
        )
        status = profile.bad_key_status
        code = x.get("bad_key_code", "invalid_api_key")
    err = ScriptedError(status, msg, type=x.get("bad_key_type"), code=code)
    return error_reply(profile, err, x.get("bad_key_shape"))


def check_auth(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply | None:
    for header, expected in profile.required_headers.items():
        got = req.headers.get(header)
        if not got or (expected and got != expected):
            # A gateway in front of the server (Modal's proxy auth) may answer in plain text.
            status = profile.extra.get("missing_header_status", 400)
            text = profile.extra.get("missing_header_text")
            if text:
                return Reply(status, {"content-type": "text/plain; charset=utf-8"}, str(text).encode())
            return error_reply(profile, ScriptedError(status, f"missing or wrong header {header}"))
    # No auth_headers: the server takes no key (Ollama); key_optional: only a wrong key is refused.
    key = None
    for header, prefix in profile.auth_headers:
        value = req.headers.get(header)
        if value is not None and value.startswith(prefix) and value[len(prefix) :]:
            key = value[len(prefix) :]
            break
    if profile.auth_headers and key is None and not profile.extra.get("key_optional"):
        return _key_error(profile, missing=True)
    if key is not None and emu.api_key is not None and key != emu.api_key:
        return _key_error(profile, missing=False, key=key)
    for q in profile.required_query:
        if q not in req.query:
            return error_reply(profile, ScriptedError(400, f"missing required query parameter {q}"))
    return None
