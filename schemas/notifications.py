"""Schemas for devices, inbox notifications, preferences and dead-lettered deliveries."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base
from services.models import EMAIL_KINDS, NOTIFICATION_KINDS, PLATFORMS


class DeviceSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    platform = ma.fields.String(dump_only=True)
    locale = ma.fields.String(dump_only=True)
    app_version = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    last_seen_at = ma.fields.DateTime(dump_only=True)


class DeviceCreateSchema(Base):
    token = ma.fields.String(
        required=True,
        load_only=True,
        validate=[
            ma.validate.Length(min=16, max=4096),
            ma.validate.Regexp(r"^[\x21-\x7e]+$", error="Not an FCM registration token."),
        ],
    )
    platform = ma.fields.String(required=True, validate=ma.validate.OneOf(PLATFORMS))
    locale = ma.fields.String(load_default="en", validate=ma.validate.Length(min=2, max=16))
    app_version = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    installation_id = ma.fields.String(
        load_default=None,
        load_only=True,
        validate=[
            ma.validate.Length(min=16, max=128),
            ma.validate.Regexp(r"^[\x21-\x7e]+$", error="Visible ASCII characters only."),
        ],
        metadata={
            "description": "A random id the app creates once per installation and keeps "
            "secret (for example the Firebase installation id). Send it with every "
            "registration: a token registered by another account moves to you only with "
            "the installation id it was registered with (else 409 device_token_in_use)."
        },
    )


class NotificationSchema(Base):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(NOTIFICATION_KINDS)})
    title = ma.fields.String()
    body = ma.fields.String()
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(allow_none=True),
        metadata={
            "description": "Deep-link values for the app, with their JSON types "
            '(`{"application_id": 12, "state": "approved"}`); the push payload carries the '
            "same values as strings, as FCM requires",
            "additionalProperties": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "integer"},
                    {"type": "number"},
                    {"type": "boolean"},
                ],
                "nullable": True,
            },
        },
    )
    emergency = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)
    superseded_at = ma.fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Set when a later change made this item untrue (a reminder for an "
            "appointment since moved or cancelled); show it as out of date."
        },
    )


class InboxQueryArgsSchema(Base):
    unread_only = ma.fields.Boolean(load_default=False)


class UnreadCountSchema(Base):
    unread = ma.fields.Integer()


class MarkedSchema(Base):
    marked = ma.fields.Integer()


class NotificationSettingsSchema(Base):
    muted_kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(NOTIFICATION_KINDS)),
        metadata={
            "description": "Kinds not pushed (still in the inbox). Emergency alerts ignore it."
        },
    )
    email_kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EMAIL_KINDS)),
        metadata={
            "description": "Also sent by e-mail (none by default); needs a verified address."
        },
    )
    quiet_start = ma.fields.Time(
        allow_none=True, metadata={"description": "Local time (the account's time zone)"}
    )
    quiet_end = ma.fields.Time(allow_none=True)

    @ma.validates_schema
    def _both_or_neither(self, data, **kwargs):
        if ("quiet_start" in data) != ("quiet_end" in data):
            raise ma.ValidationError("Give quiet_start and quiet_end together.", "quiet_end")
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise ma.ValidationError("Give both times, or null for both.", "quiet_end")


class DeliverySchema(Base):
    id = ma.fields.Integer()
    notification_id = ma.fields.Integer()
    device_id = ma.fields.Integer()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.DateTime()
    created_at = ma.fields.DateTime()


class NotificationSettingsUpdateSchema(NotificationSettingsSchema):
    """Send only what changes."""
