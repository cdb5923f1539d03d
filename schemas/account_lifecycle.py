"""Schemas for the account's lifecycle: verification, password reset and change, e-mail
change, sessions, deletion and the data export."""

from __future__ import annotations

import marshmallow as ma

from schemas.accounts import AccountSchema
from schemas.alerts import AlertResponseSchema
from schemas.applicants import ApplicantSchema
from schemas.applications import ApplicationSchema
from schemas.appointments import AppointmentSchema
from schemas.common import Base
from schemas.documents import DocumentSchema
from schemas.notifications import DeviceSchema, NotificationSchema, NotificationSettingsSchema
from schemas.payments import StaffPaymentSchema
from schemas.trips import FollowSchema, TripSchema

_PASSWORD = {"required": True, "load_only": True, "validate": ma.validate.Length(max=256)}
_TOKEN = ma.validate.Length(min=1, max=128)
_CODE = ma.validate.Regexp(r"^\s*\d{6}\s*$", error="Six digits.")


class AcceptedSchema(Base):
    status = ma.fields.Constant("accepted", metadata={"description": "Always the same"})


class EmailTokenSchema(Base):
    token = ma.fields.String(
        required=True, validate=_TOKEN, metadata={"description": "From the link"}
    )


class EmailCodeSchema(Base):
    code = ma.fields.String(required=True, validate=_CODE, metadata={"example": "123456"})


class PasswordResetRequestSchema(Base):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))


class PasswordResetConfirmSchema(Base):
    """The link's ``token``, or the ``email`` and the ``code`` from the message."""

    token = ma.fields.String(load_default=None, validate=_TOKEN)
    email = ma.fields.Email(load_default=None, validate=ma.validate.Length(max=254))
    code = ma.fields.String(load_default=None, validate=_CODE)
    new_password = ma.fields.String(**_PASSWORD)

    @ma.validates_schema
    def _token_or_code(self, data, **kwargs):
        if not data.get("token") and not (data.get("email") and data.get("code")):
            raise ma.ValidationError("Give the token, or the email and the code.", "token")


class PasswordChangeSchema(Base):
    current_password = ma.fields.String(**_PASSWORD)
    new_password = ma.fields.String(**_PASSWORD)


class EmailChangeSchema(Base):
    new_email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(**_PASSWORD)


class PasswordConfirmationSchema(Base):
    password = ma.fields.String(**_PASSWORD)


class SessionSchema(Base):
    id = ma.fields.String()
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(metadata={"description": "The login or the last refresh"})
    device_name = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean(metadata={"description": "The session making this request"})


class RevokedCountSchema(Base):
    revoked = ma.fields.Integer()


class ExportedDocumentSchema(Base):
    document = ma.fields.Nested(DocumentSchema)
    download_url = ma.fields.String(allow_none=True)
    download_expires_at = ma.fields.DateTime(allow_none=True)


class DataExportSchema(Base):
    """Everything the account holds, as one document."""

    generated_at = ma.fields.DateTime()
    account = ma.fields.Nested(AccountSchema)
    notification_settings = ma.fields.Nested(NotificationSettingsSchema)
    sessions = ma.fields.List(ma.fields.Nested(SessionSchema))
    applicants = ma.fields.List(ma.fields.Nested(ApplicantSchema))
    appointments = ma.fields.List(ma.fields.Nested(AppointmentSchema))
    applications = ma.fields.List(ma.fields.Nested(ApplicationSchema))
    payments = ma.fields.List(ma.fields.Nested(StaffPaymentSchema))
    documents = ma.fields.List(ma.fields.Nested(ExportedDocumentSchema))
    devices = ma.fields.List(ma.fields.Nested(DeviceSchema))
    notifications = ma.fields.List(ma.fields.Nested(NotificationSchema))
    trips = ma.fields.List(ma.fields.Nested(TripSchema))
    follows = ma.fields.List(ma.fields.Nested(FollowSchema))
    alert_responses = ma.fields.List(ma.fields.Nested(AlertResponseSchema))
