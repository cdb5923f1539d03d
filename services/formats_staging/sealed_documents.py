"""What the signed QR payloads of a legalization sticker and an appointment pass contain.

Field names are one letter because every byte grows the QR code: with these names a
realistic sticker payload is a version 10 code (57 x 57 modules) at error level M, where
spelled-out names make it version 12 (65 x 65). The labels below are what a verifier
prints; the README lists them for anyone writing their own verifier.

Only what a checker needs, and no more than the public lookup shows: the holder's name is
masked by the caller (``mask_person_name``) when the holder is a person; internal notes,
officer ids and revocation reasons are never sealed.
"""

from __future__ import annotations

from datetime import date, datetime

from services.formats_staging.seal import Value, VerifiedSeal

KIND_LEGALIZATION = "L"
KIND_PASS = "P"  # noqa: S105 (the appointment pass, not a password)

LEGALIZATION_LABELS = {
    "a": "authentication number",
    "s": "sub-number",
    "n": "sticker number",
    "t": "document type",
    "d": "legalized on",
    "c": "country of use",
    "h": "submitted by",
}
PASS_LABELS = {
    "c": "booking code",
    "t": "appointment time",
    "v": "service",
    "h": "applicant",
}
KINDS = {
    KIND_LEGALIZATION: ("consular legalization", LEGALIZATION_LABELS),
    KIND_PASS: ("appointment pass", PASS_LABELS),
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


def pass_fields(
    *, code: str, starts_at: datetime, holder_masked: str, service: str | None = None
) -> dict[str, Value]:
    """The sealed fields of a pass; ``starts_at`` in the post's zone, so the printed time is
    the one on the pass (with its offset)."""
    if starts_at.tzinfo is None:
        raise ValueError("the appointment time needs its zone")
    fields: dict[str, Value] = {
        "c": code,
        "t": starts_at.isoformat(timespec="minutes"),
        "h": holder_masked,
    }
    if service:
        fields["v"] = service
    return fields


def describe(seal: VerifiedSeal) -> tuple[str, list[tuple[str, Value]]]:
    """The document's name and its fields with readable labels (unknown ones as they are)."""
    name, labels = KINDS.get(seal.kind, (f"document of kind {seal.kind!r}", {}))
    known = [(labels[key], seal.fields[key]) for key in labels if key in seal.fields]
    unknown = [(key, value) for key, value in sorted(seal.fields.items()) if key not in labels]
    return name, known + unknown
