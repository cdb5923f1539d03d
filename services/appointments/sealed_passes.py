"""The signed payload an appointment pass's QR code carries.

The QR code is the bare payload (``PSH1:...``, ``services.core.seals``), not a link: it is
read by the counter's scanner, which checks it with our keys even when the post's
connection is down, and by nobody else; a link would only make a stranger's phone open a
page about someone's appointment. Passes issued before sealed payloads carry a token only
this server can check (``booking_codes.pass_token``); the counter accepts both.

Field names are one letter because every byte grows the QR code. The payload is dated when
the appointment last changed, so the same pass gives the same QR code until it changes.
"""

from __future__ import annotations

from datetime import datetime

from services.appointments.booking_codes import normalise_code
from services.core import clock
from services.core.integrations import seal_keyring
from services.core.local_time import zone
from services.core.masking import mask_person_name
from services.core.seals import SealError, Value, seal_dated, verify
from services.models import Appointment

KIND_PASS = "P"  # noqa: S105 (the appointment pass, not a password)

PASS_LABELS = {
    "c": "booking code",
    "t": "appointment time",
    "v": "service",
    "h": "applicant",
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


def pass_payload(appointment: Appointment) -> str:
    """The text of the appointment's QR pass; it expires when the appointment ends."""
    applicant = appointment.applicant
    fields = pass_fields(
        code=appointment.code,
        starts_at=appointment.slot.starts_at.astimezone(zone(appointment.post.time_zone)),
        holder_masked=mask_person_name(f"{applicant.surname_latin} {applicant.given_names_latin}"),
        service=appointment.service_type.code,
    )
    return seal_dated(
        seal_keyring(),
        kind=KIND_PASS,
        post=appointment.post.code,
        fields=fields,
        dated=appointment.updated_at,
        now=clock.now(),
        expires_at=appointment.slot.ends_at,
    )


def is_sealed_pass(text: str) -> bool:
    return text.lstrip().startswith("PSH1:")


def read_sealed_pass(text: str) -> str | None:
    """The booking code of a genuine pass, or None. Expiry and post are not checked here:
    the counter refuses another day's or another post's appointment on its own terms."""
    try:
        sealed = verify(text, seal_keyring().key_set())
    except SealError:
        return None
    code = sealed.fields.get("c")
    if sealed.kind != KIND_PASS or not isinstance(code, str):
        return None
    return normalise_code(code)
