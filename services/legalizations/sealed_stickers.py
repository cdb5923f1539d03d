"""The signed payload in a legalization sticker's QR code, and its online check.

The QR code is an upper-case link ending in the payload, ``HTTPS://HOST/L/PSH1:...``: a phone
camera opens our page, which says whether the record has since been revoked, and anyone
offline checks the same text's signature with our published keys (``services.core.seals``).
Upper case because a QR code's alphanumeric mode (5.5 bits a character) holds only capitals,
digits and `` $%*+-./:``; the payload's base45 is made of exactly those.

Field names are one letter because every byte grows the QR code. What is sealed is what the
public lookup shows and no more: the holder's name masked when it is a person, never notes,
officer ids or revocation reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import current_app

from services.core import clock
from services.core.errors import NotFound
from services.core.integrations import seal_keyring
from services.core.seals import SealError, Value, link_segment, seal_dated, verify
from services.legalizations.legalizations import (
    NOT_FOUND,
    PublicLegalization,
    find_by_numbers,
    public_view,
)
from services.models import Legalization

KIND_LEGALIZATION = "L"
# The page a sticker's link opens (upper case: see the module docstring).
STICKER_PATH = "/L/"

LEGALIZATION_LABELS = {
    "a": "authentication number",
    "s": "sub-number",
    "n": "sticker number",
    "t": "document type",
    "d": "legalized on",
    "c": "country of use",
    "h": "submitted by",
}


def legalization_fields(
    *,
    authentication_number: str,
    sub_number: str,
    sticker_number: str,
    document_type: str,
    legalized_on: date,
    country_of_use: str,
    submitter_shown: str,
) -> dict[str, Value]:
    """The sealed fields of a sticker; ``submitter_shown`` is the name as the public lookup
    shows it (masked for a person, in full for an agency)."""
    return {
        "a": authentication_number,
        "s": sub_number,
        "n": sticker_number,
        "t": document_type,
        "d": legalized_on.isoformat(),
        "c": country_of_use,
        "h": submitter_shown,
    }


def sticker_payload(record: Legalization) -> str:
    """The bare payload (``PSH1:...``), dated when the record was made."""
    shown = public_view(record)
    fields = legalization_fields(
        authentication_number=record.authentication_number,
        sub_number=record.sub_number,
        sticker_number=record.sticker_number,
        document_type=record.document_type,
        legalized_on=record.legalized_on,
        country_of_use=record.country_of_use,
        submitter_shown=shown.submitter_name,
    )
    return seal_dated(
        seal_keyring(),
        kind=KIND_LEGALIZATION,
        post=record.post.code,
        fields=fields,
        dated=record.created_at,
        now=clock.now(),
    )


def sticker_link_base() -> str:
    """``PUBLIC_BASE_URL`` with its scheme and host in capitals (they are case-blind), and
    the page's path; a base path of its own keeps its case."""
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path}{STICKER_PATH}"


def sticker_link(payload: str) -> str:
    """The link the QR code holds: the page's address ending in the (escaped) payload."""
    return sticker_link_base() + link_segment(payload)


@dataclass(frozen=True)
class SealedCheck:
    """The online answer for a sealed sticker: genuine, or revoked (with its date)."""

    verdict: str  # "genuine" or "revoked"
    revoked_at: datetime | None
    signed_at: datetime
    key_id: str
    legalization: PublicLegalization


def check_sticker(text: str) -> SealedCheck:
    """The online check of a scanned sticker (bare payload or link): the signature with our
    published keys, then the record by its sealed numbers and post. A payload that is not
    ours, not a sticker's, or names no record is the same ``legalization_not_found`` as a
    wrong number, as the other public checks answer."""
    try:
        sealed = verify(text, seal_keyring().key_set())
    except SealError:
        raise NotFound(NOT_FOUND) from None
    numbers = tuple(sealed.fields.get(name) for name in ("a", "s", "n"))
    if sealed.kind != KIND_LEGALIZATION or not all(isinstance(n, str) for n in numbers):
        raise NotFound(NOT_FOUND)
    record = find_by_numbers(numbers)  # type: ignore[arg-type]
    if record is None or record.post.code != sealed.post:
        raise NotFound(NOT_FOUND)
    shown = public_view(record)
    return SealedCheck(
        verdict="revoked" if record.status == "revoked" else "genuine",
        revoked_at=record.revoked_at,
        signed_at=sealed.issued_at,
        key_id=sealed.kid,
        legalization=shown,
    )
