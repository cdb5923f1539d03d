"""Verification links for the QR code printed on a legalization sticker.

Stickers printed now carry the sealed link (``sealed_stickers``): a payload anyone can check
offline, at an address that opens our page. Stickers printed before it carry a link with a
token only this server can check, which keeps working:

The token is the record id and a keyed digest of its three numbers, signed with
``LEGALIZATION_LINK_SECRET`` (``SECRET_KEY`` by default) by itsdangerous. The numbers
themselves are not in the token, so a link that ends up in an access log or a chat does not
carry them; and a link breaks if the record's numbers ever change. A tampered, foreign or
stale token is the same ``legalization_not_found`` as an unknown one.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass

import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from services.core.db import db
from services.core.errors import NotFound
from services.legalizations.legalizations import (
    NOT_FOUND,
    PublicLegalization,
    get_legalization,
    public_view,
)
from services.legalizations.sealed_stickers import sticker_link, sticker_link_base, sticker_payload
from services.models import Account, Legalization

SALT = "legalization-verify-v1"
VERIFY_PATH = "/api/v1/legalizations/verify/"


@dataclass(frozen=True)
class VerificationLink:
    token: str  # the older server-checked token (its link still works)
    url: str  # what the QR code holds: the sealed link
    payload: str  # the bare sealed payload


def _secret() -> bytes:
    config = current_app.config
    return (config.get("LEGALIZATION_LINK_SECRET") or config["SECRET_KEY"]).encode()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_secret(), salt=SALT)


def _numbers_digest(record: Legalization) -> str:
    message = "\x1f".join(record.numbers).encode()
    key = hashlib.sha256(_secret() + b"\x00" + SALT.encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def token_for(record: Legalization) -> str:
    return _serializer().dumps([record.id, _numbers_digest(record)])


def link_for(record: Legalization) -> VerificationLink:
    payload = sticker_payload(record)
    return VerificationLink(token=token_for(record), url=sticker_link(payload), payload=payload)


def verification_link(actor: Account, legalization_id: int) -> VerificationLink:
    """The link (and token) of a record of the officer's post, for its sticker's QR code."""
    return link_for(get_legalization(actor, legalization_id))


def sticker_qr(record: Legalization) -> segno.QRCode:
    """The sticker's QR code: the page's address, then the payload in alphanumeric mode
    (two segments, so that a base path with small letters does not push the payload into
    byte mode), error correction M."""
    link = link_for(record)
    base = sticker_link_base()
    return segno.make_qr([base, link.url[len(base) :]], error="m")


def verification_qr_svg(actor: Account, legalization_id: int) -> bytes:
    """The QR code of a record's sealed link, as an SVG image."""
    buffer = io.BytesIO()
    sticker_qr(get_legalization(actor, legalization_id)).save(buffer, kind="svg", scale=4, border=4)
    return buffer.getvalue()


def verify_token(token: str) -> PublicLegalization:
    """The public answer for a signed link; every bad token is the same 404."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise NotFound(NOT_FOUND) from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise NotFound(NOT_FOUND)
    record = db.session.get(Legalization, payload[0])
    if record is None or not hmac.compare_digest(_numbers_digest(record), payload[1]):
        raise NotFound(NOT_FOUND)
    return public_view(record)
