"""Schemas for officers: opening templates, closures, booking policy, the counter."""

from __future__ import annotations

import marshmallow as ma

from schemas.appointments import LOCAL_TIME, local_end, local_start
from schemas.common import Base, LocalizedTextField, Translated
from services.appointments.booking_codes import format_code
from services.core.local_time import zone
from services.core.seals import MAX_PAYLOAD_CHARS
from services.models import APPOINTMENT_STATES

WEEKDAY = {"description": "0 = Monday ... 6 = Sunday", "example": 0}


class BookingPolicySchema(Base):
    min_lead_hours = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=720),
        metadata={"description": "Earliest bookable slot: this many hours from now"},
    )
    max_days_ahead = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=365),
        metadata={"description": "Latest bookable local day: today plus this many days"},
    )
    cancel_cutoff_hours = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=720),
        metadata={"description": "Citizens may cancel or reschedule until this many hours before"},
    )
    no_show_limit = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=50),
        metadata={"description": "Block booking after this many no-shows (null: policy off)"},
    )
    no_show_block_days = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=365),
        metadata={"description": "How long the block lasts"},
    )


class BookingPolicyUpdateSchema(BookingPolicySchema):
    """Send only what changes (used with ``partial=True``)."""


class TemplateSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    weekday = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=0, max=6), metadata=WEEKDAY
    )
    opens_at = ma.fields.Time(required=True, metadata={"description": "Local wall-clock time"})
    closes_at = ma.fields.Time(required=True, metadata={"description": "Local wall-clock time"})
    slot_minutes = ma.fields.Integer(required=True, validate=ma.validate.Range(min=5, max=480))
    capacity = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1, max=500),
        metadata={"description": "Counters: seats per slot, for each service"},
    )
    services = ma.fields.Method(
        "_service_codes",
        deserialize="_load_service_codes",
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "Codes of services offered at the post (1 to 20)",
        },
    )
    valid_from = ma.fields.Date(load_default=None, allow_none=True)
    valid_until = ma.fields.Date(load_default=None, allow_none=True)
    slot_changes = ma.fields.Dict(
        dump_only=True,
        metadata={"description": "Slots created, updated, deleted, or kept for their bookings"},
    )

    def _service_codes(self, template) -> list[str]:
        return sorted(service.code for service in template.services)

    def _load_service_codes(self, value) -> list[str]:
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= 20
            or not all(isinstance(code, str) and 0 < len(code) <= 40 for code in value)
        ):
            raise ma.ValidationError("A list of 1 to 20 service codes.")
        return value

    @ma.validates_schema
    def _closing_after_opening(self, data, **kwargs):
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            raise ma.ValidationError("Must be after opens_at.", "closes_at")


class TemplateUpdateSchema(TemplateSchema):
    """Send only what changes (used with ``partial=True``)."""


class ClosureSchema(Base):
    id = ma.fields.Integer()
    starts_at = ma.fields.Method("_starts", metadata=LOCAL_TIME)
    ends_at = ma.fields.Method("_ends", metadata=LOCAL_TIME)
    first_day = ma.fields.Date(allow_none=True)
    last_day = ma.fields.Date(allow_none=True)
    reason = Translated("reason")
    reasons = LocalizedTextField(attribute="reason")
    cancelled_count = ma.fields.Integer(
        metadata={"description": "Appointments cancelled by this closure"}
    )
    created_at = ma.fields.DateTime()

    def _starts(self, closure) -> str:
        return closure.starts_at.astimezone(zone(closure.post.time_zone)).isoformat()

    def _ends(self, closure) -> str:
        return closure.ends_at.astimezone(zone(closure.post.time_zone)).isoformat()


class ClosureCreateSchema(Base):
    """Either whole local days (``first_day``..``last_day``) or a period with offsets."""

    first_day = ma.fields.Date()
    last_day = ma.fields.Date(metadata={"description": "Inclusive; default: first_day"})
    starts_at = ma.fields.AwareDateTime(metadata={"description": "ISO 8601 with offset"})
    ends_at = ma.fields.AwareDateTime(metadata={"description": "ISO 8601 with offset"})
    reason = LocalizedTextField(required=True, max_length=300)

    @ma.validates_schema
    def _one_kind_of_period(self, data, **kwargs):
        days = "first_day" in data
        period = "starts_at" in data or "ends_at" in data
        if days == period:
            raise ma.ValidationError("Give first_day (and last_day), or starts_at and ends_at.")
        if period and not ("starts_at" in data and "ends_at" in data):
            raise ma.ValidationError("Give both starts_at and ends_at.")
        if not days and "last_day" in data:
            raise ma.ValidationError("last_day goes with first_day.", "last_day")


class ClosureQueryArgsSchema(Base):
    upcoming = ma.fields.Boolean(load_default=False)


class DaySheetQueryArgsSchema(Base):
    date = ma.fields.Date(metadata={"description": "Local day (default: today at the post)"})
    include_cancelled = ma.fields.Boolean(load_default=False)


class _CounterApplicantSchema(Base):
    id = ma.fields.Integer()
    surname_latin = ma.fields.String()
    given_names_latin = ma.fields.String()
    surname_native = ma.fields.String(allow_none=True)
    given_names_native = ma.fields.String(allow_none=True)
    date_of_birth = ma.fields.Date()
    nationality = ma.fields.String()
    passport_number = ma.fields.String(allow_none=True)


class CounterAppointmentSchema(Base):
    """An appointment as the counter sees it."""

    id = ma.fields.Integer()
    code = ma.fields.Function(lambda a: format_code(a.code), metadata={"type": "string"})
    status = ma.fields.String(metadata={"enum": list(APPOINTMENT_STATES)})
    start = ma.fields.Function(local_start, metadata=LOCAL_TIME)
    end = ma.fields.Function(local_end, metadata=LOCAL_TIME)
    service = ma.fields.Function(lambda a: a.service_type.code, metadata={"type": "string"})
    service_name = Translated("service_type.names")
    applicant = ma.fields.Nested(_CounterApplicantSchema)
    in_schedule = ma.fields.Function(
        lambda a: a.slot.in_schedule,
        metadata={"type": "boolean", "description": "False: its slot left the schedule"},
    )
    checked_in_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    no_show_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)


class CheckInSchema(Base):
    token = ma.fields.String(
        validate=ma.validate.Length(min=1, max=MAX_PAYLOAD_CHARS),
        metadata={"description": "The scanned QR pass (a PSH1: payload, or an older token)"},
    )
    code = ma.fields.String(
        validate=ma.validate.Length(min=1, max=40), metadata={"description": "Typed booking code"}
    )

    @ma.validates_schema
    def _exactly_one(self, data, **kwargs):
        if ("token" in data) == ("code" in data):
            raise ma.ValidationError("Give either token or code.")
