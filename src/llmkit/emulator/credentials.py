"""What each profile accepts as credentials, in words (``llmkit emulator serve`` prints it).

Key profiles are described from their ``auth_headers``; handlers that check credentials
themselves (AWS SigV4, Google tokens) name their scheme in ``Profile.credentials``. The test
credentials printed here are the emulator's own fakes, never a real key; a key given to the
emulator (``--api-key``) is not echoed.
"""

from __future__ import annotations

from llmkit.emulator.profiles import Profile


def _aws(bedrock_key: bool) -> str:
    from llmkit.emulator.bedrock import (
        ACCESS_KEY,
        BEDROCK_API_KEY,
        REGION,
        SECRET_KEY,
        SESSION_ACCESS_KEY,
        SESSION_SECRET_KEY,
        SESSION_TOKEN,
    )

    text = (
        f"SigV4 (region {REGION}) with AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY}, "
        f"or the temporary AWS_ACCESS_KEY_ID={SESSION_ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SESSION_SECRET_KEY} "
        f"AWS_SESSION_TOKEN={SESSION_TOKEN}"
    )
    if bedrock_key:
        text += f"; or the Bedrock API key api_key={BEDROCK_API_KEY} (Authorization: Bearer)"
    return text


def describe(profile: Profile, url: str, api_key: str | None) -> str:
    """One line: the credentials ``profile`` accepts on the emulator at ``url``."""
    key = "<the --api-key value>" if api_key is not None else "<any non-empty key>"
    scheme = profile.credentials
    if scheme.startswith("aws_sigv4"):
        return _aws(bedrock_key=scheme == "aws_sigv4_or_bedrock_key")
    if scheme == "google_token":
        return (
            f"Authorization: Bearer {key} (access_token=), or a token from the emulated Google OAuth "
            f"endpoint {url}/google_oauth/token"
        )
    if scheme == "oci_signature":
        return "an OCI request signature by a key from llmkit.emulator.oci.new_api_key(directory)"
    if scheme == "gigachat_oauth":
        from llmkit.emulator.gigachat import DEFAULT_CREDENTIALS

        return (
            f"credentials={DEFAULT_CREDENTIALS} (GIGACHAT_CREDENTIALS) exchanged at "
            f"auth_url={url}/gigachat/api/v2/oauth for a short-lived bearer token"
        )
    if scheme == "sap_xsuaa":
        from llmkit.emulator.sap import describe_credentials

        return describe_credentials(url)
    if scheme == "watsonx_iam":
        return (
            f"Authorization: Bearer <a token from {url}/watsonx_iam/identity/token for apikey={key}>, "
            f"or ZenApiKey base64(<user>:{key})"
        )
    if scheme == "none" or not profile.auth_headers:
        return "no credentials"
    forms = " or ".join(f"{header}: {prefix}{key}" for header, prefix in profile.auth_headers)
    if profile.extra.get("key_optional"):
        forms += " (optional)"
    extras = [f"{h}: {v or '<any>'}" for h, v in profile.required_headers.items()]
    extras += [f"?{q}=<any>" for q in profile.required_query]
    return "; ".join([forms, *extras])
