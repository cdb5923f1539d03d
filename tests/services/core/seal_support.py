"""A verifier written only with code no one here wrote (pycose, base45, zlib, cbor2) and
the published JSON key set: what a foreign official's own tool would do. It shares nothing
with ``services.core.seals`` but the prefix written in the README."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

PREFIX = "PSH1:"


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_message(text: str) -> Sign1Message:
    assert text.startswith(PREFIX)
    return Sign1Message.decode(zlib.decompress(base45.b45decode(text[len(PREFIX) :])))


def encode_message(message: Sign1Message) -> str:
    return PREFIX + base45.b45encode(zlib.compress(message.encode(tag=True))).decode()


def public_key(jwk: dict[str, Any]) -> OKPKey:
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    return OKPKey(crv=Ed25519, x=_unb64url(jwk["x"]))


@dataclass
class ThirdPartyResult:
    genuine: bool
    claims: dict[Any, Any] | None = None
    reason: str = ""


def third_party_verify(text: str, key_set_json: str) -> ThirdPartyResult:
    """Verify with pycose and the key set alone: find the key by kid, check the signature,
    then read the CWT claims."""
    message = decode_message(text)
    if message.phdr.get(Algorithm) is not EdDSA:
        return ThirdPartyResult(False, reason="not EdDSA")
    kid = _b64url(message.phdr[KID])
    jwks = {jwk["kid"]: jwk for jwk in json.loads(key_set_json)["keys"]}
    if kid not in jwks:
        return ThirdPartyResult(False, reason="unknown key")
    message.key = public_key(jwks[kid])
    if not message.verify_signature():
        return ThirdPartyResult(False, reason="bad signature")
    return ThirdPartyResult(True, cbor2.loads(message.payload))


def sign_with_pycose(claims: dict[Any, Any], private_raw: bytes, kid: bytes) -> str:
    """A payload made by pycose (for claims our sealer would refuse to sign)."""
    message = Sign1Message(phdr={Algorithm: EdDSA, KID: kid}, payload=cbor2.dumps(claims))
    message.key = OKPKey(crv=Ed25519, d=private_raw)
    return encode_message(message)
