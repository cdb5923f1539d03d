"""Schemas for availability and citizens' appointments.

Times are ISO 8601 in the post's local time with its UTC offset (``2027-03-28T09:00:00+02:00``).
"""

from __future__ import annotations

from types import SimpleNamespace

import marshmallow as ma

from schemas.applicants import ApplicantSummarySchema
from schemas.catalogue import MONEY, PostSummarySchema
from schemas.common import Base, Translated, current_language
from schemas.payments import MAX_ID
from services.appointments.booking_codes import format_code
from services.appointments.sealed_passes import pass_payload
from services.core.local_time import zone
from services.models import APPOINTMENT_STATES


class AvailabilityQueryArgsSchema(Base):
    service = ma.fields.String(required=True, metadata={"example": "passport_renewal"})
    from_ = ma.fields.Date(
        data_key="from", metadata={"description": "First local day (default: today)"}
    )
    to = ma.fields.Date(
        metadata={"description": "Last local day, inclusive (default: 4 weeks); at most 62 days"}
    )


class AvailableSlotSchema(Base):
    id = ma.fields.Integer()
    start = ma.fields.DateTime(metadata={"description": "Local time with UTC offset"})
    end = ma.fields.DateTime(metadata={"description": "Local time with UTC offset"})
    capacity = ma.fields.Integer()
    remaining = ma.fields.Integer()
    closed = ma.fields.Boolean(metadata={"description": "The post is closed then"})
    bookable = ma.fields.Boolean(
        metadata={"description": "Open, not full, and inside the post's booking window"}
    )


class _AlreadySerialised(ma.fields.Nested):
    """Documented as its nested schema; the service already built JSON-ready dicts (a busy
    post's 60 days are thousands of slots, and per-field dumping was most of the time)."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return nested_obj


class AvailabilitySchema(Base):
    post = ma.fields.String()
    service = ma.fields.String()
    time_zone = ma.fields.String(metadata={"description": "The post's IANA time zone"})
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    slots = _AlreadySerialised(AvailableSlotSchema, many=True)


class AppointmentCreateSchema(Base):
    applicant_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    post = ma.fields.String(required=True, metadata={"example": "FR-PAR"})
    service = ma.fields.String(required=True, metadata={"example": "passport_renewal"})
    slot_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))


class RescheduleSchema(Base):
    slot_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))


class AppointmentQueryArgsSchema(Base):
    status = ma.fields.String(validate=ma.validate.OneOf(APPOINTMENT_STATES))


class _ServiceSummarySchema(Base):
    code = ma.fields.String()
    name = Translated("names")


LOCAL_TIME = {"type": "string", "format": "date-time", "description": "Local time with offset"}


def local_start(appointment) -> str:
    return appointment.slot.starts_at.astimezone(zone(appointment.post.time_zone)).isoformat()


def local_end(appointment) -> str:
    return appointment.slot.ends_at.astimezone(zone(appointment.post.time_zone)).isoformat()


class AppointmentSchema(Base):
    id = ma.fields.Integer()
    code = ma.fields.Function(
        lambda a: format_code(a.code),
        metadata={
            "type": "string",
            "description": "Booking code to type at the counter",
            "example": "7KQ2-M9XD-4TPH",
        },
    )
    status = ma.fields.String(metadata={"enum": list(APPOINTMENT_STATES)})
    post = ma.fields.Nested(PostSummarySchema)
    service = ma.fields.Nested(_ServiceSummarySchema, attribute="service_type")
    applicant = ma.fields.Nested(ApplicantSummarySchema)
    slot_id = ma.fields.Integer()
    start = ma.fields.Function(local_start, metadata=LOCAL_TIME)
    end = ma.fields.Function(local_end, metadata=LOCAL_TIME)
    materials = ma.fields.Method(
        "_materials",
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "Required documents, in the request's language",
        },
    )
    fee = ma.fields.Method(
        "_fee",
        allow_none=True,
        metadata={
            "type": "object",
            "nullable": True,
            "description": "The fee quoted when booking: amount_minor, currency, exponent, display",
        },
    )
    pass_token = ma.fields.Function(
        pass_payload,
        metadata={
            "type": "string",
            "description": "What the QR pass encodes (for offline display): a signed payload "
            "(PSH1:...) the counter checks with the published keys, even offline",
        },
    )
    links = ma.fields.Method(
        "_links",
        metadata={
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "self, qr (SVG pass) and calendar (iCalendar file)",
        },
    )
    created_at = ma.fields.DateTime()
    cancelled_at = ma.fields.DateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True, metadata={"enum": ["citizen", "closure"]})
    checked_in_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    no_show_at = ma.fields.DateTime(allow_none=True)

    def _materials(self, appointment) -> list[str]:
        materials = appointment.service_type.materials or {}
        return materials.get(current_language()) or materials.get("en", [])

    def _fee(self, appointment):
        if appointment.fee_amount_minor is None:
            return None
        money = SimpleNamespace(
            amount_minor=appointment.fee_amount_minor, currency=appointment.fee_currency
        )
        return MONEY.dump(money)

    def _links(self, appointment) -> dict[str, str]:
        base = f"/api/v1/appointments/{appointment.id}"
        return {"self": base, "qr": f"{base}/qr.svg", "calendar": f"{base}/calendar.ics"}
