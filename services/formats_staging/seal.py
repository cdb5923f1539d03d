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

Keys. A key id is the first 8 bytes of the key's RFC 7638 JWK thumbprint, base64url: anyone
can recompute it from the public key, so a key set cannot name a key wrongly. The published
key set is a JWK set whose keys carry three more members: ``not_before`` and ``not_after``
bound when the key signs (a payload's iat must fall inside them), and ``posts`` lists the
post codes it signs for (``"*"``: any). Rotation adds a key: the newest one that covers the
post signs, and the old ones stay in the set (with their ``not_after``) so every sticker
they signed still verifies. A key that leaks must leave the set: its holder could backdate
``iat``, so nothing short of removal protects anyone.

Revocation is not in the payload: a verifier offline sees the signed data and its date; the
online verification page says whether the record has since been revoked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "PSH1:"
COSE_SIGN1_TAG = 18
HEADER_ALG, HEADER_CRIT, HEADER_KID = 1, 2, 4
ALG_EDDSA = -8
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT = 1, 4, 6
CLAIM_DOCUMENT = -65537  # RFC 8392 section 4: private-use claim keys are below -65536
ANY_POST = "*"
KID_BYTES = 8
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


class KeySetError(ValueError):
    """A key set or key configuration that cannot be used."""


# --- keys -------------------------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> str:
    """The key id: the RFC 7638 thumbprint of the key's JWK, first 8 bytes, base64url."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw(public_key))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode()).digest()[:KID_BYTES])


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("key and seal times need a time zone")
    return moment.astimezone(UTC)


def _rfc3339(moment: datetime | None) -> str | None:
    return None if moment is None else _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PublicKey:
    """One entry of the published key set."""

    key: Ed25519PublicKey
    not_before: datetime
    not_after: datetime | None = None
    posts: frozenset[str] = frozenset({ANY_POST})

    @property
    def kid(self) -> str:
        return kid_for(self.key)

    def covers(self, post: str, at: datetime) -> bool:
        """Whether the key signs for ``post`` at ``at``."""
        at = _utc(at)
        in_time = self.not_before <= at and (self.not_after is None or at <= self.not_after)
        return in_time and (ANY_POST in self.posts or post in self.posts)

    def to_jwk(self) -> dict[str, Any]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.kid,
            "x": _b64url(_raw(self.key)),
            "not_before": _rfc3339(self.not_before),
            "not_after": _rfc3339(self.not_after),
            "posts": sorted(self.posts),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise KeySetError(f"key {jwk.get('kid')!r} is not an Ed25519 key")
            key = Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"]))
            not_after = jwk.get("not_after")
            posts = jwk["posts"]
            if not posts or not all(isinstance(p, str) and p for p in posts):
                raise KeySetError(f"key {jwk.get('kid')!r} lists no posts")
            entry = cls(
                key=key,
                not_before=_utc(datetime.fromisoformat(jwk["not_before"])),
                not_after=_utc(datetime.fromisoformat(not_after)) if not_after else None,
                posts=frozenset(posts),
            )
        except KeySetError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise KeySetError(f"unusable key {jwk.get('kid')!r}: {error}") from None
        if jwk.get("kid") != entry.kid:
            raise KeySetError(f"key id {jwk.get('kid')!r} does not match its key")
        return entry


@dataclass(frozen=True)
class KeySet:
    """The published public keys, by key id."""

    keys: tuple[PublicKey, ...]

    def __post_init__(self) -> None:
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise KeySetError("the same key appears twice in the key set")

    def get(self, kid: str) -> PublicKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.keys, key=lambda k: (k.not_before, k.kid), reverse=True)
        return {"keys": [key.to_jwk() for key in ordered]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes | Mapping[str, Any]) -> KeySet:
        try:
            data = text if isinstance(text, Mapping) else json.loads(text)
            jwks = data["keys"]
        except (ValueError, TypeError, KeyError):
            raise KeySetError("not a JSON key set with a 'keys' list") from None
        if not isinstance(jwks, list):
            raise KeySetError("not a JSON key set with a 'keys' list")
        return cls(tuple(PublicKey.from_jwk(jwk) for jwk in jwks))


@dataclass(frozen=True)
class SigningKey:
    """A private key with the validity and posts it is published with."""

    private: Ed25519PrivateKey = field(repr=False)
    not_before: datetime
    not_after: datetime | None = None
    posts: frozenset[str] = frozenset({ANY_POST})

    @property
    def public(self) -> PublicKey:
        return PublicKey(
            key=self.private.public_key(),
            not_before=_utc(self.not_before),
            not_after=_utc(self.not_after) if self.not_after else None,
            posts=self.posts,
        )

    @property
    def kid(self) -> str:
        return kid_for(self.private.public_key())

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def signing_key_from_pem(
    pem: bytes,
    *,
    not_before: datetime,
    not_after: datetime | None = None,
    posts: Sequence[str] = (ANY_POST,),
    password: bytes | None = None,
) -> SigningKey:
    """A signing key from PEM text (PKCS #8), e.g. read from a secret manager."""
    try:
        private = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as error:
        raise KeySetError(f"not a usable PEM private key: {error}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeySetError("the signing key must be an Ed25519 key")
    return SigningKey(private, _utc(not_before), not_after and _utc(not_after), frozenset(posts))


def load_signing_key(path: str | os.PathLike[str], **validity: Any) -> SigningKey:
    """A signing key from a PEM file (see ``signing_key_from_pem`` for the options)."""
    return signing_key_from_pem(Path(path).read_bytes(), **validity)


# The development key signs from this date for any post, so that it never needs dates.
DEV_KEY_NOT_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)


def load_or_create_dev_key(path: str | os.PathLike[str]) -> SigningKey:
    """The embedded default's key: generated once into ``path`` (owner-only), then reused,
    so that development stickers keep verifying across restarts."""
    path = Path(path)
    if not path.exists():
        pem = SigningKey(Ed25519PrivateKey.generate(), DEV_KEY_NOT_BEFORE).pem()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    return load_signing_key(path, not_before=DEV_KEY_NOT_BEFORE)


class NoSigningKey(KeySetError):
    """No configured key signs for this post at this time (a configuration error)."""


@dataclass(frozen=True)
class KeyRing:
    """The keys this deployment signs with, and retired public keys it still publishes."""

    signing: tuple[SigningKey, ...]
    retired: tuple[PublicKey, ...] = ()

    def signer(self, post: str, at: datetime) -> SigningKey:
        """The newest key that signs for ``post`` at ``at``."""
        candidates = [key for key in self.signing if key.public.covers(post, at)]
        if not candidates:
            raise NoSigningKey(f"no signing key covers post {post!r} at {_rfc3339(at)}")
        return max(candidates, key=lambda key: (key.not_before, key.kid))

    def key_set(self) -> KeySet:
        """What is published: every signing key's public part and every retired key."""
        return KeySet(tuple(key.public for key in self.signing) + tuple(self.retired))

    def seal(
        self,
        *,
        kind: str,
        post: str,
        fields: Mapping[str, Value],
        issued_at: datetime,
        expires_at: datetime | None = None,
    ) -> str:
        return seal(
            self.signer(post, issued_at),
            kind=kind,
            post=post,
            fields=fields,
            issued_at=issued_at,
            expires_at=expires_at,
        )


def _config_time(entry: Mapping[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    return _utc(datetime.fromisoformat(value)) if value else None


def keyring_from_config(
    signing: Sequence[Mapping[str, Any]], retired_key_set: str | None = None
) -> KeyRing:
    """The key ring from configuration: each signing entry has ``pem_file`` (a path) or
    ``pem`` (the text, from a secret manager), ``not_before``, optional ``not_after`` and
    ``posts``; ``retired_key_set`` is the JSON key set of keys that no longer sign."""
    keys = []
    for entry in signing:
        try:
            pem = entry["pem"].encode() if "pem" in entry else Path(entry["pem_file"]).read_bytes()
            not_before = _config_time(entry, "not_before")
        except (KeyError, OSError, ValueError) as error:
            raise KeySetError(f"unusable signing key entry: {error}") from None
        if not_before is None:
            raise KeySetError("a signing key needs not_before")
        keys.append(
            signing_key_from_pem(
                pem,
                not_before=not_before,
                not_after=_config_time(entry, "not_after"),
                posts=tuple(entry.get("posts") or (ANY_POST,)),
            )
        )
    retired = KeySet.from_json(retired_key_set).keys if retired_key_set else ()
    ring = KeyRing(tuple(keys), retired)
    ring.key_set()  # refuses a key listed twice
    return ring


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
        return self.expires_at is not None and _utc(now) > self.expires_at


def _epoch(moment: datetime) -> int:
    return int(_utc(moment).timestamp())


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal(
    key: SigningKey,
    *,
    kind: str,
    post: str,
    fields: Mapping[str, Value],
    issued_at: datetime,
    expires_at: datetime | None = None,
) -> str:
    """The QR text of ``fields`` signed by ``key`` for ``post``."""
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
    protected = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: _unb64url(key.kid)})
    payload = cbor2.dumps(claims, canonical=True)
    signature = key.private.sign(_sig_structure(protected, payload))
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii")


def _cose_bytes(text: str) -> bytes:
    """The COSE message inside the QR text (which may be a URL ending in the payload)."""
    # Trimming spaces is safe although a space is a base45 digit: the last digit of a
    # group is at most 32 (two bytes) or 5 (one byte), never the space's 36.
    text = text.strip()
    start = text.find(PREFIX)
    if start < 0:
        raise MalformedSeal("no PSH1: payload")
    encoded = text[start + len(PREFIX) :]
    if len(encoded) > MAX_PAYLOAD_CHARS:
        raise MalformedSeal("payload too long")
    try:
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
    key = key_set.get(_b64url(kid_bytes))
    if key is None:
        raise UnknownKey(f"key {_b64url(kid_bytes)} is not in the key set")
    try:
        key.key.verify(signature, _sig_structure(protected_bytes, payload))
    except InvalidSignature:
        raise BadSignature("the signature does not match") from None
    post, issued_at, expires_at, kind, fields = _claims(payload)
    if not key.covers(post, issued_at):
        raise KeyNotValid(f"key {key.kid} does not sign for post {post} at that date")
    return VerifiedSeal(kind, post, issued_at, expires_at, fields, key.kid)
