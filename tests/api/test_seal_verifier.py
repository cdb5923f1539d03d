"""The offline verifier a foreign official runs: what it prints and the exit codes."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from api.seal_verifier import (
    EXIT_BAD_KEY_SET,
    EXIT_EXPIRED,
    EXIT_REFUSED,
    EXIT_VALID,
    verify_cli,
)
from services.appointments.sealed_passes import KIND_PASS, pass_fields
from services.core.seal_keys import KeyRing
from services.core.seals import link_segment, seal
from tests.services.core.seal_factories import ISSUED, new_key, sticker_payload, tamper


def run(payload: str, key_set: str, now: datetime = ISSUED) -> tuple[int, str]:
    out = io.StringIO()
    code = verify_cli(payload, key_set, now=now, out=out)
    return code, out.getvalue()


def test_a_genuine_sticker_prints_its_fields():
    key = new_key(posts=("PAR",))
    code, text = run(sticker_payload(key), KeyRing((key,)).key_set().to_json())
    assert code == EXIT_VALID
    lines = text.splitlines()
    assert lines[0] == "GENUINE: consular legalization"
    assert "issuing post: PAR" in lines
    assert "signed on: 2025-03-14T08:30:00+00:00" in lines
    assert f"key: {key.kid}" in lines
    assert lines[4:11] == [
        "authentication number: 2025-PAR-0012345",
        "sub-number: 01",
        "sticker number: A12345678",
        "document type: civil_status",
        "legalized on: 2025-03-14",
        "country of use: FR",
        "submitted by: N*** V** A*",
    ]
    assert lines[-1].startswith("Revocation cannot be checked offline")


def test_an_expired_pass_is_genuine_but_says_so():
    key = new_key()
    starts = ISSUED + timedelta(days=2)
    payload = seal(
        KeyRing((key,)),
        kind=KIND_PASS,
        post="PAR",
        fields=pass_fields(code="ABCD2345EFGH", starts_at=starts, holder_masked="L** M**"),
        issued_at=ISSUED,
        expires_at=starts + timedelta(days=1),
    )
    key_set = KeyRing((key,)).key_set().to_json()
    assert run(payload, key_set)[0] == EXIT_VALID
    code, text = run(payload, key_set, now=starts + timedelta(days=2))
    assert code == EXIT_EXPIRED
    assert text.startswith("GENUINE BUT EXPIRED: appointment pass")
    assert "booking code: ABCD2345EFGH" in text


def test_refusals_and_an_unusable_key_set():
    key, stranger = new_key(), new_key()
    key_set = KeyRing((key,)).key_set().to_json()
    forged = tamper(sticker_payload(key), lambda claims: claims.update({1: "LYS"}))
    assert run(forged, key_set) == (
        EXIT_REFUSED,
        "REFUSED (bad_signature): the signature does not match\n",
    )
    code, text = run(sticker_payload(stranger), key_set)
    assert (code, text.split(":")[0]) == (EXIT_REFUSED, "REFUSED (unknown_key)")
    assert run("hello", key_set)[0] == EXIT_REFUSED
    code, text = run(sticker_payload(key), "not json")
    assert (code, text.split(":")[0]) == (EXIT_BAD_KEY_SET, "UNUSABLE KEY SET")


def test_flask_verify_seal_reads_a_key_file_a_link_and_stdin(app, tmp_path):
    key = new_key()
    keys = tmp_path / "keys.json"
    keys.write_text(KeyRing((key,)).key_set().to_json())
    payload = sticker_payload(key, issued_at=datetime.now(UTC) - timedelta(minutes=1))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["verify-seal", payload, "--keys", str(keys)])
    assert result.exit_code == EXIT_VALID, result.output
    assert result.output.startswith("GENUINE: consular legalization")
    assert "sticker number: A12345678" in result.output

    # The sticker's link (what a phone camera reads), escapes and all.
    link = "HTTPS://CONSULAR.MFA.EXAMPLE/L/" + link_segment(payload)
    result = runner.invoke(args=["verify-seal", link, "--keys", str(keys)])
    assert result.exit_code == EXIT_VALID, result.output

    result = runner.invoke(args=["verify-seal", "-", "--keys", str(keys)], input=payload + "\n")
    assert result.exit_code == EXIT_VALID, result.output

    forged = tamper(payload, lambda claims: claims[-65537].update(n="B00000000"))
    result = runner.invoke(args=["verify-seal", forged, "--keys", str(keys)])
    assert result.exit_code == EXIT_REFUSED
    assert result.output.startswith("REFUSED (bad_signature)")

    missing = tmp_path / "missing.json"
    result = runner.invoke(args=["verify-seal", payload, "--keys", str(missing)])
    assert result.exit_code == EXIT_BAD_KEY_SET


def test_flask_seal_keys_prints_the_published_key_set(app, client):
    result = app.test_cli_runner().invoke(args=["seal-keys"])
    assert result.exit_code == 0
    assert json.loads(result.output) == client.get("/api/v1/seal-keys").get_json()
