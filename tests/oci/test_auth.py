"""OCI credentials: the ~/.oci/config parser (held to oci.config.from_file), explicit values,
session tokens, encrypted keys, an oci SDK signer and instance principals, over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.auth.oci import OciSignatureAuth, SdkSignerAuth
from llmkit.auth.oci_config import load_profile
from llmkit.emulator import Emulator
from llmkit.emulator.oci import TENANCY, USER, new_api_key
from llmkit.emulator.oci_auth import OciTestCredentials
from llmkit.errors import AuthenticationError, ConfigurationError

oci = pytest.importorskip("oci")
MODEL = "oci/meta.llama-3.3-70b-instruct"
pytestmark = pytest.mark.usefixtures("oci_env")

CONFIG = """[DEFAULT]
tenancy=ocid1.tenancy.oc1..aaaadefault
region=us-ashburn-1
fingerprint=aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99
key_file=~/.oci/default.pem

[DEV]
user=ocid1.user.oc1..aaaadev
region=eu-frankfurt-1

[OTHER]
user=ocid1.user.oc1..aaaaother
key_file=~/keys/other.pem
"""


@pytest.mark.parametrize("profile", ["DEFAULT", "DEV", "OTHER"])
def test_profiles_read_as_the_sdk_reads_them(
    tmp_path: Path, profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the SDK checks that key_file exists
    for name in (".oci/default.pem", "keys/other.pem"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("not read")
    path = tmp_path / "config"
    path.write_text(CONFIG)
    ours = load_profile(str(path), profile)
    theirs = oci.config.from_file(str(path), profile)
    for key, value in ours.values.items():
        assert value == str(theirs[key]) or value == str(Path(theirs[key]).expanduser()), key
    assert ours.get("key_file") is not None and "~" not in ours.values["key_file"]


def test_profile_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    monkeypatch.setenv("OCI_CONFIG_FILE", str(path))
    monkeypatch.setenv("OCI_CLI_PROFILE", "DEV")
    assert load_profile().get("region") == "eu-frankfurt-1"
    monkeypatch.setenv("OCI_PROFILE", "OTHER")  # llmkit's name wins over the CLI's
    assert load_profile().get("region") == "us-ashburn-1"
    with pytest.raises(ConfigurationError, match="no profile 'NOPE'") as info:
        load_profile(profile="NOPE")
    assert "DEV" in str(info.value)
    monkeypatch.setenv("OCI_CONFIG_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_profile()


def test_a_broken_config_does_not_echo_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("pass_phrase=hunter2-secret\n[DEFAULT\n")
    with pytest.raises(ConfigurationError) as info:
        load_profile(str(path))
    assert "hunter2" not in str(info.value)


def test_explicit_values_without_a_config_file(
    emu: Emulator, oci_creds: OciTestCredentials, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OCI_CONFIG_FILE", str(tmp_path / "none"))
    options = {
        "tenancy": TENANCY,
        "user": USER,
        "fingerprint": oci_creds.fingerprint,
        "key_file": oci_creds.key_file,
        "region": "us-chicago-1",
    }
    assert llmkit.complete(MODEL, "hi", **options).text
    # The same through the OCI CLI's variables.
    for name, env in (
        ("tenancy", "OCI_CLI_TENANCY"),
        ("user", "OCI_CLI_USER"),
        ("fingerprint", "OCI_CLI_FINGERPRINT"),
    ):
        monkeypatch.setenv(env, options[name])
    monkeypatch.setenv("OCI_CLI_KEY_CONTENT", Path(oci_creds.key_file).read_text())
    assert llmkit.complete(MODEL, "hi", region="us-chicago-1").text


def test_missing_and_malformed_values_name_the_keyword_and_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, oci_creds: OciTestCredentials
) -> None:
    path = tmp_path / "config"
    path.write_text(f"[DEFAULT]\nregion=us-chicago-1\nkey_file={oci_creds.key_file}\ntenancy={TENANCY}\n")
    monkeypatch.setenv("OCI_CONFIG_FILE", str(path))
    with pytest.raises(ConfigurationError, match=r"user= \(or OCI_CLI_USER\)"):
        llmkit.complete(MODEL, "hi")
    with pytest.raises(ConfigurationError, match="fingerprint is not") as info:
        llmkit.complete(MODEL, "hi", user=USER, fingerprint="not-a-fingerprint-secretish")
    assert "secretish" not in str(info.value)


def test_encrypted_key_with_pass_phrase_in_the_profile(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = new_api_key(tmp_path, pass_phrase="correct horse", profile="ENC")
    monkeypatch.setenv("OCI_CONFIG_FILE", creds.config_file)
    assert llmkit.complete(MODEL, "hi", profile="ENC").text
    text = Path(creds.config_file).read_text().replace("pass_phrase=correct horse", "pass_phrase=wrong horse")
    Path(creds.config_file).write_text(text)
    with pytest.raises(ConfigurationError, match="passphrase is wrong") as info:
        llmkit.complete(MODEL, "hi", profile="ENC")
    assert "horse" not in str(info.value)


def test_session_token_signs_with_st_key_id(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = new_api_key(tmp_path, session_token=True, profile="SESSION")
    monkeypatch.setenv("OCI_CONFIG_FILE", creds.config_file)
    monkeypatch.setenv("OCI_PROFILE", "SESSION")
    assert llmkit.complete(MODEL, "hi").text
    assert f'keyId="ST${creds.session_token}"' in emu.requests[-1].headers["authorization"]
    # A refreshed token file is read again; the emulator does not know the new token.
    token_file = Path(creds.config_file).parent / "session_token"
    token_file.write_text("emulator-session-rotated-unknown-token\n")
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", max_retries=0)
    assert "rotated-unknown" not in str(info.value)


def test_an_sdk_signer_runs_off_the_event_loop(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    signer = oci.signer.Signer(TENANCY, USER, oci_creds.fingerprint, oci_creds.key_file)
    assert llmkit.complete(MODEL, "hi", signer=signer).text
    threads: list[str] = []
    real = SdkSignerAuth._sign

    def spy(self: SdkSignerAuth, request: Any) -> dict[str, str]:
        import threading

        threads.append(threading.current_thread().name)
        return real(self, request)

    async def main() -> str:
        async with llmkit.AsyncClient() as client:
            return (await client.complete(MODEL, "hi", signer=signer)).text

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SdkSignerAuth, "_sign", spy)
        assert asyncio.run(main())
    assert threads and threads[0] != "MainThread"


def test_instance_principal_through_the_sdk(
    emu: Emulator, oci_creds: OciTestCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []

    def fake_instance_principal() -> Any:
        # Stands in for the metadata-service exchange: an SDK signer for the registered key.
        made.append(1)
        return oci.signer.Signer(TENANCY, USER, oci_creds.fingerprint, oci_creds.key_file)

    monkeypatch.setattr(oci.auth.signers, "InstancePrincipalsSecurityTokenSigner", fake_instance_principal)
    monkeypatch.setattr("llmkit.auth.oci._principals", {})
    monkeypatch.setenv("OCI_CLI_AUTH", "instance_principal")
    client = llmkit.Client()
    assert client.complete(MODEL, "hi", region="us-chicago-1").text
    assert client.complete(MODEL, "hi", region="us-chicago-1").text
    assert made == [1]  # made once, on the first request
    with pytest.raises(ConfigurationError, match="auth_type"):
        llmkit.complete(MODEL, "hi", auth_type="password")


def test_a_failing_sdk_signer_is_typed_and_scrubbed(emu: Emulator) -> None:
    def broken(request: Any) -> None:
        raise RuntimeError("metadata service said no; token=abcdefghijklmnopqrstuvwxyz0123456789")

    with pytest.raises(AuthenticationError, match="signing the OCI request failed") as info:
        llmkit.complete(MODEL, "hi", signer=broken)
    assert "abcdefghijklmnopqrstuvwxyz" not in str(info.value)


def test_reprs_hold_no_secret(oci_creds: OciTestCredentials) -> None:
    from llmkit.auth.oci_signer import load_private_key

    auth = OciSignatureAuth(
        lambda: "ST$secret-token-value", load_private_key(Path(oci_creds.key_file).read_bytes())
    )
    assert "secret" not in repr(auth) and "BEGIN" not in repr(auth)
    profile = load_profile(oci_creds.config_file)
    assert oci_creds.fingerprint not in repr(profile)
