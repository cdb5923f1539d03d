"""Keys and payloads the seal tests share: fresh keys, a realistic sticker, and a way to
forge a payload that keeps its original signature."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime

import base45
import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.core.seal_keys import SigningKey
from services.core.seals import seal
from services.legalizations.sealed_stickers import KIND_LEGALIZATION, legalization_fields
from tests.services.core.seal_support import PREFIX

Y2024 = datetime(2024, 1, 1, tzinfo=UTC)
Y2025 = datetime(2025, 1, 1, tzinfo=UTC)
ISSUED = datetime(2025, 3, 14, 8, 30, tzinfo=UTC)


def new_key(not_before=Y2024, not_after=None, posts=("*",)) -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate(), not_before, not_after, frozenset(posts))


def raw_private(key: SigningKey) -> bytes:
    return key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


STICKER = legalization_fields(
    authentication_number="2025-PAR-0012345",
    sub_number="01",
    sticker_number="A12345678",
    document_type="civil_status",
    legalized_on=date(2025, 3, 14),
    country_of_use="FR",
    submitter_shown="N*** V** A*",
)


def sticker_payload(key: SigningKey, post: str = "PAR", issued_at: datetime = ISSUED) -> str:
    return seal(key, kind=KIND_LEGALIZATION, post=post, fields=STICKER, issued_at=issued_at)


def tamper(text: str, change) -> str:
    """Re-encode the payload with ``change`` applied to its claims, keeping the signature."""
    message = cbor2.loads(zlib.decompress(base45.b45decode(text[len(PREFIX) :])))
    protected, unprotected, payload, signature = message.value
    claims = cbor2.loads(payload)
    change(claims)
    forged = cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature])
    return PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(forged))).decode()
