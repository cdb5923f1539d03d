"""Schemas for trips and followed countries."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base, validate_country
from services.alerts.trips import trip_is_active


class TripSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    country = ma.fields.String(required=True, validate=validate_country)
    city = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=80))
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(
        required=True, metadata={"description": "Inclusive. Days are UTC calendar days."}
    )
    emergency_contact_name = ma.fields.String(
        attribute="contact_name",
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=120),
    )
    emergency_contact_phone = ma.fields.String(
        attribute="contact_phone",
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=20),
        metadata={"description": "E.164, for example +33612345678"},
    )
    active = ma.fields.Method(
        "_active",
        dump_only=True,
        metadata={"description": "Today (UTC) is within [start_date, end_date]"},
    )
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    def _active(self, trip) -> bool:
        return trip_is_active(trip)

    @ma.validates_schema
    def _dates_ordered(self, data, **kwargs):
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ma.ValidationError("The trip ends before it starts.", "end_date")


class TripCreateSchema(TripSchema):
    pass


class TripUpdateSchema(TripSchema):
    """Send only what changes."""

    class Meta:
        partial = True


class FollowSchema(Base):
    country = ma.fields.String(required=True, validate=validate_country)
    created_at = ma.fields.DateTime(dump_only=True)
