"""Keys for sealed QR payloads: the private keys we sign with, the public key set we
publish, and the rules of both.

A key id is the first 8 bytes of the key's RFC 7638 JWK thumbprint, base64url: anyone can
recompute it from the public key, so a key set cannot name a key wrongly. The published key
set is a JWK set whose keys carry three more members: ``not_before`` and ``not_after`` bound
when the key signs (a payload's iat must fall inside them), and ``posts`` lists the post
codes it signs for (``"*"``: any). Rotation adds a key: the newest one that covers the post
signs, and the old ones stay in the set (with their ``not_after``) so every sticker they
signed still verifies. A key that leaks must leave the set: its holder could backdate
``iat``, so nothing short of removal protects anyone.

Private keys are Ed25519 PKCS #8 PEM, from a file or from text (a secret manager); the
embedded default generates a development key once into the instance folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ANY_POST = "*"
KID_BYTES = 8


class KeySetError(ValueError):
    """A key set or key configuration that cannot be used."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> str:
    """The key id: the RFC 7638 thumbprint of the key's JWK, first 8 bytes, base64url."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw(public_key))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return b64url(hashlib.sha256(canonical.encode()).digest()[:KID_BYTES])


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("key and seal times need a time zone")
    return moment.astimezone(UTC)


def _rfc3339(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PublicKey:
    """One entry of the published key set."""

    key: Ed25519PublicKey
    not_before: datetime
    not_after: datetime | None = None
    posts: frozenset[str] = frozenset({ANY_POST})

    @cached_property  # a key never changes: its id is hashed once, not on every lookup
    def kid(self) -> str:
        return kid_for(self.key)

    def covers(self, post: str, at: datetime) -> bool:
        """Whether the key signs for ``post`` at ``at``."""
        at = as_utc(at)
        in_time = self.not_before <= at and (self.not_after is None or at <= self.not_after)
        return in_time and (ANY_POST in self.posts or post in self.posts)

    def to_jwk(self) -> dict[str, Any]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.kid,
            "x": b64url(_raw(self.key)),
            "not_before": _rfc3339(self.not_before),
            "not_after": _rfc3339(self.not_after),
            "posts": sorted(self.posts),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise KeySetError(f"key {jwk.get('kid')!r} is not an Ed25519 key")
            key = Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
            not_after = jwk.get("not_after")
            posts = jwk["posts"]
            if not posts or not all(isinstance(p, str) and p for p in posts):
                raise KeySetError(f"key {jwk.get('kid')!r} lists no posts")
            entry = cls(
                key=key,
                not_before=as_utc(datetime.fromisoformat(jwk["not_before"])),
                not_after=as_utc(datetime.fromisoformat(not_after)) if not_after else None,
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

    @cached_property
    def public(self) -> PublicKey:
        return PublicKey(
            key=self.private.public_key(),
            not_before=as_utc(self.not_before),
            not_after=as_utc(self.not_after) if self.not_after else None,
            posts=self.posts,
        )

    @cached_property
    def kid(self) -> str:
        return self.public.kid

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
    return SigningKey(
        private, as_utc(not_before), not_after and as_utc(not_after), frozenset(posts)
    )


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
        """What is published: every signing key's public part and every retired key (built
        once: every public sticker and pass check reads it)."""
        return self._published

    @cached_property
    def _published(self) -> KeySet:
        return KeySet(tuple(key.public for key in self.signing) + tuple(self.retired))


def _config_time(entry: Mapping[str, Any], name: str) -> datetime | None:
    """A configured time; a date or a time without an offset is UTC."""
    value = entry.get(name)
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return as_utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


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


def keyring_from_settings(
    signing_keys: str | Sequence[Mapping[str, Any]] | None,
    retired_keys_file: str | None,
    dev_key_file: str,
) -> KeyRing:
    """The key ring of a deployment: ``SEAL_SIGNING_KEYS`` (a JSON list of entries as
    ``keyring_from_config`` reads them, or the list itself), the public key set of retired
    keys in ``SEAL_RETIRED_KEYS_FILE``; with no signing keys configured, the development
    key in ``dev_key_file`` (created on first use)."""
    if isinstance(signing_keys, str):
        try:
            signing_keys = json.loads(signing_keys)
        except ValueError:
            raise KeySetError("SEAL_SIGNING_KEYS is not JSON") from None
        if not isinstance(signing_keys, list) or not all(isinstance(e, dict) for e in signing_keys):
            raise KeySetError("SEAL_SIGNING_KEYS must be a JSON list of objects")
    retired = None
    if retired_keys_file:
        try:
            retired = Path(retired_keys_file).read_text(encoding="utf-8")
        except OSError as error:
            raise KeySetError(f"SEAL_RETIRED_KEYS_FILE: {error}") from None
    if not signing_keys:
        dev = load_or_create_dev_key(dev_key_file)
        ring = KeyRing((dev,), KeySet.from_json(retired).keys if retired else ())
        ring.key_set()
        return ring
    return keyring_from_config(signing_keys, retired)
