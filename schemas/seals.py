"""Schemas of the published key set that QR payloads are verified with."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base


class PublicJwkSchema(Base):
    """One Ed25519 public key (RFC 8037 JWK) with when and for which posts it signs."""

    kty = ma.fields.String(metadata={"example": "OKP"})
    crv = ma.fields.String(metadata={"example": "Ed25519"})
    alg = ma.fields.String(metadata={"example": "EdDSA"})
    use = ma.fields.String(metadata={"example": "sig"})
    kid = ma.fields.String(
        metadata={
            "description": "First 8 bytes of the key's RFC 7638 thumbprint, base64url; the "
            "kid in a payload's protected header"
        }
    )
    x = ma.fields.String(metadata={"description": "The public key, base64url"})
    not_before = ma.fields.String(
        metadata={"description": "Signs payloads dated from this time (RFC 3339, UTC)"}
    )
    not_after = ma.fields.String(
        allow_none=True,
        metadata={"description": "Signs payloads dated until this time; null: still signing"},
    )
    posts = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "Codes of the posts it signs for; * means any post"},
    )


class PublicKeySetSchema(Base):
    keys = ma.fields.List(ma.fields.Nested(PublicJwkSchema))
