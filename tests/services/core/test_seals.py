"""Signed QR payloads: verified by pycose with the published key set alone; tampered,
unknown-key and out-of-scope payloads refused; keys loaded, rotated and published; the QR
stays small."""

from __future__ import annotations

import json
import os
import stat
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import base45
import pytest
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from services.appointments.sealed_passes import KIND_PASS, pass_fields
from services.core.seal_keys import (
    KeyRing,
    KeySet,
    KeySetError,
    NoSigningKey,
    PublicKey,
    keyring_from_config,
    kid_for,
    load_or_create_dev_key,
    load_signing_key,
)
from services.core.seals import (
    CLAIM_DOCUMENT,
    CLAIM_EXP,
    CLAIM_IAT,
    CLAIM_ISS,
    BadSignature,
    KeyNotValid,
    MalformedSeal,
    SealError,
    UnknownKey,
    seal,
    verify,
)
from services.legalizations.sealed_stickers import legalization_fields
from tests.services.core.seal_factories import (
    ISSUED,
    STICKER,
    Y2024,
    Y2025,
    new_key,
    raw_private,
    sticker_payload,
    tamper,
)
from tests.services.core.seal_support import (
    PREFIX,
    _unb64url,
    sign_with_pycose,
    third_party_verify,
)


# --- the third-party check the issue asks for -------------------------------------------
def test_pycose_verifies_a_sticker_with_the_published_key_set_alone():
    key = new_key(posts=("PAR",))
    published = KeyRing((key,)).key_set().to_json()
    payload = sticker_payload(key)

    result = third_party_verify(payload, published)
    assert result.genuine, result.reason
    assert result.claims[CLAIM_ISS] == "PAR"
    assert result.claims[CLAIM_IAT] == int(ISSUED.timestamp())
    assert result.claims[CLAIM_DOCUMENT] == {"k": "L", **STICKER}
    # And ours agrees, from the same JSON.
    ours = verify(payload, KeySet.from_json(published))
    assert (ours.kind, ours.post, ours.issued_at, ours.fields) == ("L", "PAR", ISSUED, STICKER)


def test_a_tampered_payload_is_refused_by_pycose_and_by_us():
    key = new_key()
    published = KeyRing((key,)).key_set().to_json()
    forged = tamper(sticker_payload(key), lambda c: c[CLAIM_DOCUMENT].update(t="commercial"))

    assert third_party_verify(forged, published).reason == "bad signature"
    with pytest.raises(BadSignature):
        verify(forged, KeySet.from_json(published))


def test_a_payload_signed_by_a_key_not_in_the_set_is_refused_by_pycose_and_by_us():
    ours, stranger = new_key(), new_key()
    published = KeyRing((ours,)).key_set().to_json()
    payload = sticker_payload(stranger)

    assert third_party_verify(payload, published).reason == "unknown key"
    with pytest.raises(UnknownKey):
        verify(payload, KeySet.from_json(published))


def test_a_stranger_who_borrows_our_key_id_is_refused():
    ours, stranger = new_key(), new_key()
    published = KeyRing((ours,)).key_set().to_json()
    claims = {CLAIM_ISS: "PAR", CLAIM_IAT: int(ISSUED.timestamp()), CLAIM_DOCUMENT: {"k": "L"}}
    payload = sign_with_pycose(claims, raw_private(stranger), _unb64url(ours.kid))

    assert third_party_verify(payload, published).reason == "bad signature"
    with pytest.raises(BadSignature):
        verify(payload, KeySet.from_json(published))


def test_a_payload_pycose_signs_with_our_key_verifies_with_us():
    key = new_key()
    claims = {
        CLAIM_ISS: "PAR",
        CLAIM_IAT: int(ISSUED.timestamp()),
        CLAIM_EXP: int((ISSUED + timedelta(days=1)).timestamp()),
        CLAIM_DOCUMENT: {"k": "P", "c": "ABCD2345EFGH"},
    }
    payload = sign_with_pycose(claims, raw_private(key), _unb64url(key.kid))
    verified = verify(payload, KeySet((key.public,)))
    assert verified.fields == {"c": "ABCD2345EFGH"}
    assert verified.expires_at == ISSUED + timedelta(days=1)
    assert verified.expired(ISSUED + timedelta(days=2))
    assert not verified.expired(ISSUED)


# --- what a key may sign ----------------------------------------------------------------
def test_a_key_signs_only_for_its_posts_and_dates():
    paris = new_key(not_before=Y2025, posts=("PAR",))
    with pytest.raises(NoSigningKey):
        sticker_payload(paris, post="LYS")
    with pytest.raises(NoSigningKey):
        sticker_payload(paris, issued_at=Y2025 - timedelta(seconds=1))

    # A payload made outside our sealer (the key holder's own tool) is refused all the same.
    key_set = KeySet((paris.public,))
    kid = _unb64url(paris.kid)
    for post, issued in (("LYS", ISSUED), ("PAR", Y2025 - timedelta(days=1))):
        claims = {CLAIM_ISS: post, CLAIM_IAT: int(issued.timestamp()), CLAIM_DOCUMENT: {"k": "L"}}
        with pytest.raises(KeyNotValid):
            verify(sign_with_pycose(claims, raw_private(paris), kid), key_set)


def test_rotation_the_newest_key_signs_and_old_stickers_still_verify():
    old = new_key(not_before=Y2024, not_after=Y2025)
    new = new_key(not_before=Y2025)
    ring = KeyRing((old, new))
    assert ring.signer("PAR", datetime(2024, 6, 1, tzinfo=UTC)).kid == old.kid
    assert ring.signer("PAR", ISSUED).kid == new.kid
    # A post-only key that is newer wins for its post, the ministry-wide one elsewhere.
    newer_for_paris = new_key(not_before=datetime(2025, 2, 1, tzinfo=UTC), posts=("PAR",))
    ring = KeyRing((old, new, newer_for_paris))
    assert ring.signer("PAR", ISSUED).kid == newer_for_paris.kid
    assert ring.signer("LYS", ISSUED).kid == new.kid

    old_sticker = seal(
        ring, kind="L", post="PAR", fields=STICKER, issued_at=datetime(2024, 6, 1, tzinfo=UTC)
    )
    new_sticker = seal(ring, kind="L", post="PAR", fields=STICKER, issued_at=ISSUED)
    # The private part of the old key is destroyed; it stays published as a retired key.
    later = KeyRing((new, newer_for_paris), retired=(old.public,))
    published = later.key_set().to_json()
    for payload in (old_sticker, new_sticker):
        assert third_party_verify(payload, published).genuine
        verify(payload, KeySet.from_json(published))
    assert [k["kid"] for k in json.loads(published)["keys"]] == [
        newer_for_paris.kid,
        new.kid,
        old.kid,
    ]


# --- the key set format -----------------------------------------------------------------
def test_the_key_set_is_a_jwk_set_with_validity_and_posts():
    key = new_key(not_before=Y2024, not_after=Y2025, posts=("PAR", "LYS"))
    jwk = json.loads(KeyRing((key,)).key_set().to_json())["keys"][0]
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": key.kid,
        "x": jwk["x"],
        "not_before": "2024-01-01T00:00:00Z",
        "not_after": "2025-01-01T00:00:00Z",
        "posts": ["LYS", "PAR"],
    }
    # The kid is the RFC 7638 thumbprint's first 8 bytes: recomputable from "x" alone.
    assert len(_unb64url(key.kid)) == 8
    assert kid_for(PublicKey.from_jwk(jwk).key) == key.kid
    assert KeySet.from_json(json.dumps({"keys": [jwk]})).keys[0].posts == {"PAR", "LYS"}


@pytest.mark.parametrize(
    "change",
    [
        {"kid": "AAAAAAAAAAA"},  # a kid that is not the key's
        {"kty": "EC"},
        {"x": "AAAA"},
        {"posts": []},
        {"not_before": "yesterday"},
    ],
)
def test_a_broken_key_set_is_refused(change):
    jwk = new_key().public.to_jwk() | change
    with pytest.raises(KeySetError):
        KeySet.from_json(json.dumps({"keys": [jwk]}))


def test_a_key_set_that_is_not_one_is_refused():
    key = new_key()
    for text in ("", "[]", '{"keys": {}}', "{}"):
        with pytest.raises(KeySetError):
            KeySet.from_json(text)
    with pytest.raises(KeySetError, match="twice"):
        KeySet((key.public, key.public))


# --- loading keys -----------------------------------------------------------------------
def test_the_dev_key_is_created_once_owner_only_and_reused(tmp_path):
    path = tmp_path / "instance" / "seal-dev-key.pem"
    first = load_or_create_dev_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = load_or_create_dev_key(path)
    assert again.kid == first.kid
    payload = sticker_payload(first)
    assert verify(payload, KeyRing((again,)).key_set()).post == "PAR"


def test_keys_from_configuration_files_and_secrets(tmp_path):
    current, previous = new_key(), new_key()
    pem_file = tmp_path / "current.pem"
    pem_file.write_bytes(current.pem())
    retired = KeySet((previous.public,)).to_json()
    ring = keyring_from_config(
        [
            {"pem_file": str(pem_file), "not_before": "2025-01-01T00:00:00Z", "posts": ["PAR"]},
            {"pem": new_key().pem().decode(), "not_before": "2024-01-01T00:00:00+00:00"},
        ],
        retired,
    )
    assert ring.signer("PAR", ISSUED).kid == current.kid
    assert {k.kid for k in ring.key_set().keys} >= {current.kid, previous.kid}
    assert load_signing_key(pem_file, not_before=Y2024).kid == current.kid

    with pytest.raises(KeySetError, match="not_before"):
        keyring_from_config([{"pem_file": str(pem_file)}])
    with pytest.raises(KeySetError):
        keyring_from_config([{"pem_file": str(tmp_path / "missing.pem"), "not_before": "2025"}])
    with pytest.raises(KeySetError, match="twice"):
        keyring_from_config(
            [{"pem_file": str(pem_file), "not_before": "2025-01-01T00:00:00Z"}],
            KeySet((current.public,)).to_json(),
        )
    ec_pem = tmp_path / "ec.pem"
    ec_pem.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(KeySetError, match="Ed25519"):
        load_signing_key(ec_pem, not_before=Y2024)


# --- hostile input ----------------------------------------------------------------------
@given(st.binary(max_size=600))
def test_any_bytes_behind_the_prefix_are_refused_cleanly(data):
    key_set = KeySet((new_key().public,))
    for text in (PREFIX + base45.b45encode(zlib.compress(data)).decode(), PREFIX + data.hex()):
        with pytest.raises(SealError):
            verify(text, key_set)


@given(st.text(max_size=300))
def test_any_text_is_refused_cleanly(text):
    with pytest.raises(SealError):
        verify(text, KeySet(()))


def test_a_compression_bomb_is_refused():
    bomb = PREFIX + base45.b45encode(zlib.compress(b"\0" * 1_000_000, 9)).decode()
    assert len(bomb) < 4000
    with pytest.raises(MalformedSeal, match="too large"):
        verify(bomb, KeySet(()))


def test_sealing_refuses_fields_it_could_not_read_back():
    key = new_key()
    for fields in ({"k": "x"}, {"d": date(2025, 1, 1)}, {"n": 1.5}, {1: "x"}):
        with pytest.raises(ValueError):
            seal(key, kind="L", post="PAR", fields=fields, issued_at=ISSUED)


# --- how big the QR code is -------------------------------------------------------------
def qr_size(payload: str) -> tuple[int, int]:
    """Version and modules a side of the payload's QR code at error level M, alphanumeric."""
    code = segno.make(payload, error="m", mode="alphanumeric", boost_error=False, micro=False)
    assert (code.error, code.mode) == ("M", "alphanumeric")
    return code.version, code.symbol_size(border=0)[0]


def test_the_sticker_qr_stays_small():
    key = new_key()
    payload = sticker_payload(key)
    assert set(payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    # Version 10, 57 x 57 modules: at a 25 mm code a module is 0.38 mm with the quiet zone.
    assert qr_size(payload) == (10, 57), (len(payload), qr_size(payload))
    # The longest numbers the schema allows (40/20/40 characters) stay within version 13.
    longest = legalization_fields(
        authentication_number="A" * 40,
        sub_number="B" * 20,
        sticker_number="C" * 40,
        document_type="civil_status",
        legalized_on=date(2025, 3, 14),
        country_of_use="FR",
        submitter_shown="Công ty TNHH Thương mại và Dịch vụ Xuất nhập khẩu",
    )
    long_payload = seal(key, kind="L", post="PAR", fields=longest, issued_at=ISSUED)
    assert qr_size(long_payload)[0] <= 13, qr_size(long_payload)


def test_the_pass_qr_stays_small():
    key = new_key()
    starts = datetime(2025, 3, 20, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    payload = seal(
        key,
        kind=KIND_PASS,
        post="PAR",
        fields=pass_fields(
            code="ABCD2345EFGH", starts_at=starts, holder_masked="N*** V** A*", service="passport"
        ),
        issued_at=ISSUED,
        expires_at=starts + timedelta(days=1),
    )
    assert verify(payload, KeySet((key.public,))).fields["t"] == "2025-03-20T09:30+01:00"
    assert qr_size(payload) == (10, 57), (len(payload), qr_size(payload))


def test_the_deployment_key_ring_from_settings(tmp_path):
    from services.core.seal_keys import keyring_from_settings

    old, new = new_key(Y2024, not_after=Y2025), new_key(Y2025)
    (tmp_path / "new.pem").write_bytes(new.pem())
    retired = tmp_path / "retired.json"
    retired.write_text(KeyRing((old,)).key_set().to_json())
    setting = json.dumps([{"pem_file": str(tmp_path / "new.pem"), "not_before": "2025-01-01"}])
    ring = keyring_from_settings(setting, str(retired), str(tmp_path / "unused.pem"))
    assert {k.kid for k in ring.key_set().keys} == {old.kid, new.kid}
    assert verify(sticker_payload(old, issued_at=ISSUED - timedelta(days=400)), ring.key_set())
    assert not (tmp_path / "unused.pem").exists()
    # Nothing configured: the development key, created once, with the retired keys.
    dev = keyring_from_settings(None, str(retired), str(tmp_path / "dev.pem"))
    assert (tmp_path / "dev.pem").exists() and len(dev.key_set().keys) == 2
    for bad in ("not json", '{"pem_file": "x"}', "[1]"):
        with pytest.raises(KeySetError):
            keyring_from_settings(bad, None, str(tmp_path / "dev.pem"))
    with pytest.raises(KeySetError):
        keyring_from_settings(setting, str(tmp_path / "missing.json"), str(tmp_path / "dev.pem"))
