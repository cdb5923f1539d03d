"""Compact signed payloads for QR codes that anyone can verify offline with our published
keys, built the way EU digital COVID certificates are:

    fields --CBOR--> CWT claims --COSE_Sign1 (Ed25519, kid)--> zlib --base45--> "PSH1:..."

* The claims are a CWT (RFC 8392): ``1`` iss = the issuing post's code, ``6`` iat and
  optionally ``4`` exp (seconds since the epoch), and ``-65537`` (a private-use claim) =
  ``{"k": kind, **fields}`` with string keys and text or integer values.
* COSE_Sign1 (RFC 9052, tag 18) with ``alg`` = EdDSA (-8) and ``kid`` in the protected
  header, an empty unprotected header and no external data, so any COSE library verifies
  it (tested with pycose).
* zlib and base45 (RFC 9285) make it fit an alphanumeric QR code; the ``PSH1:`` prefix
  (alphanumeric too) names the format and its version.

A payload travels bare (``PSH1:...``: what an app shows and the API accepts) or as the last
path segment of a link (``HTTPS://HOST/L/PSH1:...``: what a sticker prints, so that a phone
camera opens the online page). Three base45 digits cannot stand in a URL path as they are
(a space ends the link, ``%`` starts an escape, ``/`` splits the segment and lets a browser
fold ``/./``), so the link form writes them ``%20``, ``%25`` and ``%2F`` (``link_segment``),
still in the QR code's alphanumeric set, and the verifier undoes that for a text that starts
with ``http://`` or ``https://``: ordinary URL percent-decoding.

The keys, the published key set and rotation are in ``seal_keys``.

Revocation is not in the payload: a verifier offline sees the signed data and its date; the
online verification page says whether the record has since been revoked.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import base45
import cbor2
from cryptography.exceptions import InvalidSignature

from services.core.seal_keys import (
    KeyRing,
    KeySet,
    NoSigningKey,
    SigningKey,
    as_utc,
    b64url,
    unb64url,
)

PREFIX = "PSH1:"
COSE_SIGN1_TAG = 18
HEADER_ALG, HEADER_CRIT, HEADER_KID = 1, 2, 4
ALG_EDDSA = -8
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT = 1, 4, 6
CLAIM_DOCUMENT = -65537  # RFC 8392 section 4: private-use claim keys are below -65536
# An alphanumeric QR code holds at most 4,296 characters; anything longer is not ours, and
# the inflated size is capped so that a crafted payload cannot make a verifier balloon.
MAX_PAYLOAD_CHARS = 4296
MAX_INFLATED_BYTES = 16_384

Value = str | int


# --- errors -----------------------------------------------------------------------------
class SealError(Exception):
    """A payload that does not verify; ``code`` says why, in a stable word."""

    code = "invalid"


class MalformedSeal(SealError):
    code = "malformed"


class UnknownKey(SealError):
    code = "unknown_key"


class BadSignature(SealError):
    code = "bad_signature"


class KeyNotValid(SealError):
    """Signed by a known key, but outside its validity or for a post it does not cover."""

    code = "key_not_valid"


# --- sealing and verifying --------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedSeal:
    """What a genuine payload says."""

    kind: str
    post: str
    issued_at: datetime
    expires_at: datetime | None
    fields: dict[str, Value]
    kid: str

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and as_utc(now) > self.expires_at


def _epoch(moment: datetime) -> int:
    return int(as_utc(moment).timestamp())


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal(
    signer: SigningKey | KeyRing,
    *,
    kind: str,
    post: str,
    fields: Mapping[str, Value],
    issued_at: datetime,
    expires_at: datetime | None = None,
) -> str:
    """The QR text of ``fields`` for ``post``, signed by ``signer``: a key, or a key ring's
    newest key for that post and time."""
    key = signer.signer(post, issued_at) if isinstance(signer, KeyRing) else signer
    if not key.public.covers(post, issued_at):
        raise NoSigningKey(f"key {key.kid} does not sign for post {post!r} at that time")
    for name, value in fields.items():
        if not isinstance(name, str) or name == "k" or type(value) not in (str, int):
            raise ValueError(f"field {name!r}: names are text (not 'k'), values text or int")
    claims: dict[int, Any] = {
        CLAIM_ISS: post,
        CLAIM_IAT: _epoch(issued_at),
        CLAIM_DOCUMENT: {"k": kind, **fields},
    }
    if expires_at is not None:
        claims[CLAIM_EXP] = _epoch(expires_at)
    protected = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: unb64url(key.kid)})
    payload = cbor2.dumps(claims, canonical=True)
    signature = key.private.sign(_sig_structure(protected, payload))
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii")


def seal_dated(
    ring: KeyRing,
    *,
    kind: str,
    post: str,
    fields: Mapping[str, Value],
    dated: datetime,
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    """Seal a record as of ``dated`` (when it was made or last changed), so that the same
    record always gives the same payload and its QR code and ETag stay put (Ed25519 is
    deterministic). When no key that still signs covers that date (its key was retired
    since), the payload is dated ``now``: still genuine, with a later signing date."""
    try:
        return seal(
            ring, kind=kind, post=post, fields=fields, issued_at=dated, expires_at=expires_at
        )
    except NoSigningKey:
        return seal(ring, kind=kind, post=post, fields=fields, issued_at=now, expires_at=expires_at)


# The base45 digits a URL path cannot carry as they are, and their escapes.
_LINK_ESCAPES = str.maketrans({" ": "%20", "%": "%25", "/": "%2F"})


def link_segment(payload: str) -> str:
    """The bare payload as the last segment of a URL path (see the module docstring)."""
    if not payload.startswith(PREFIX):
        raise ValueError("not a sealed payload")
    return payload.translate(_LINK_ESCAPES)


def _is_link(text: str) -> bool:
    return text[:8].lower().startswith(("http://", "https://"))


def _cose_bytes(text: str) -> bytes:
    """The COSE message inside the QR text: a bare payload, or a link ending in one."""
    # Trimming spaces is safe although a space is a base45 digit: the last digit of a
    # group is at most 32 (two bytes) or 5 (one byte), never the space's 36.
    text = text.strip()
    start = text.find(PREFIX)
    if start < 0:
        raise MalformedSeal("no PSH1: payload")
    encoded = text[start + len(PREFIX) :]
    # A QR code holds no more than this, escapes included.
    if len(encoded) > MAX_PAYLOAD_CHARS:
        raise MalformedSeal("payload too long")
    try:
        if _is_link(text) and "%" in encoded:
            encoded = unquote(encoded, errors="strict")
        compressed = base45.b45decode(encoded)
        inflater = zlib.decompressobj()
        message = inflater.decompress(compressed, MAX_INFLATED_BYTES)
    except (ValueError, zlib.error):
        raise MalformedSeal("not base45 and zlib") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise MalformedSeal("payload truncated or too large")
    return message


def _decode(data: bytes) -> Any:
    try:
        return cbor2.loads(data)
    except Exception:  # cbor2 raises several kinds on hostile input; all mean "malformed"
        raise MalformedSeal("not CBOR") from None


def _claims(payload: bytes) -> tuple[str, datetime, datetime | None, str, dict[str, Value]]:
    claims = _decode(payload)
    if not isinstance(claims, dict):
        raise MalformedSeal("claims are not a map")
    post, iat, exp = claims.get(CLAIM_ISS), claims.get(CLAIM_IAT), claims.get(CLAIM_EXP)
    document = claims.get(CLAIM_DOCUMENT)
    if (
        not isinstance(post, str)
        or type(iat) is not int
        or (exp is not None and type(exp) is not int)
        or not isinstance(document, dict)
        or not isinstance(document.get("k"), str)
        or not all(isinstance(k, str) and type(v) in (str, int) for k, v in document.items())
    ):
        raise MalformedSeal("claims are not those of a seal")
    try:
        issued_at = datetime.fromtimestamp(iat, UTC)
        expires_at = datetime.fromtimestamp(exp, UTC) if exp is not None else None
    except (OverflowError, OSError, ValueError):
        raise MalformedSeal("dates out of range") from None
    fields = dict(document)
    kind = fields.pop("k")
    return post, issued_at, expires_at, kind, fields


def verify(text: str, key_set: KeySet) -> VerifiedSeal:
    """What a payload says, if one of ``key_set``'s keys signed it for that post and date;
    otherwise a ``SealError`` saying why (malformed, unknown key, bad signature, key not
    valid). Expiry is reported (``VerifiedSeal.expired``), not refused: the data stays
    genuine after its date."""
    message = _decode(_cose_bytes(text))
    if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
        raise MalformedSeal("not a COSE_Sign1 message")
    parts = message.value
    if (
        not isinstance(parts, list | tuple)
        or len(parts) != 4
        or not all(isinstance(parts[i], bytes) for i in (0, 2, 3))
        or not isinstance(parts[1], dict)
    ):
        raise MalformedSeal("not a COSE_Sign1 message")
    protected_bytes, _unprotected, payload, signature = parts
    protected = _decode(protected_bytes)
    if not isinstance(protected, dict) or protected.get(HEADER_ALG) != ALG_EDDSA:
        raise MalformedSeal("not signed with EdDSA")
    if HEADER_CRIT in protected:
        raise MalformedSeal("critical headers we do not know")
    kid_bytes = protected.get(HEADER_KID)
    if not isinstance(kid_bytes, bytes):
        raise MalformedSeal("no key id in the protected header")
    key = key_set.get(b64url(kid_bytes))
    if key is None:
        raise UnknownKey(f"key {b64url(kid_bytes)} is not in the key set")
    try:
        key.key.verify(signature, _sig_structure(protected_bytes, payload))
    except InvalidSignature:
        raise BadSignature("the signature does not match") from None
    post, issued_at, expires_at, kind, fields = _claims(payload)
    if not key.covers(post, issued_at):
        raise KeyNotValid(f"key {key.kid} does not sign for post {post} at that date")
    return VerifiedSeal(kind, post, issued_at, expires_at, fields, key.kid)
