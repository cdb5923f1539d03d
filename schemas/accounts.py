"""Schemas for registration, login, tokens and the caller's own account."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import SECRET, Base, validate_time_zone
from services.core.languages import LANGUAGES


class RegisterSchema(Base):
    email = ma.fields.Email(load_default=None, validate=ma.validate.Length(max=254))
    phone = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=20),
        metadata={"description": "E.164, for example +84912345678", "example": "+84912345678"},
    )
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(max=256), metadata=SECRET
    )
    display_name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=120))
    language = ma.fields.String(load_default="en", validate=ma.validate.OneOf(LANGUAGES))
    time_zone = ma.fields.String(load_default="UTC", validate=validate_time_zone)

    @ma.validates_schema
    def _one_login(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ma.ValidationError("Give an email or a phone number.", "email")


class LoginSchema(Base):
    email = ma.fields.String(load_default=None, validate=ma.validate.Length(max=254))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(max=256), metadata=SECRET
    )
    device_name = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=80),
        metadata={"description": "Shown in the list of sessions", "example": "Pixel 8"},
    )

    @ma.validates_schema
    def _one_login(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ma.ValidationError("Give an email or a phone number.", "email")


class RefreshSchema(Base):
    refresh_token = ma.fields.String(required=True, validate=ma.validate.Length(max=4096))


class AccountSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.String(dump_only=True, allow_none=True)
    phone = ma.fields.String(dump_only=True, allow_none=True)
    role = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True, allow_none=True)
    email_verified = ma.fields.Function(
        lambda a: a.email_verified_at is not None,
        dump_only=True,
        metadata={"type": "boolean", "description": "Needed to book and for e-mail notices"},
    )
    language = ma.fields.String(dump_only=True)
    time_zone = ma.fields.String(dump_only=True)
    post_codes = ma.fields.Method(
        "_post_codes", dump_only=True, metadata={"type": "array", "items": {"type": "string"}}
    )
    created_at = ma.fields.DateTime(dump_only=True)

    def _post_codes(self, account) -> list[str]:
        return sorted(post.code for post in account.posts)


class AccountUpdateSchema(Base):
    display_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=120))
    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES))
    time_zone = ma.fields.String(validate=validate_time_zone)


class TokenPairSchema(Base):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer(metadata={"description": "Access token lifetime in seconds"})
    account = ma.fields.Nested(AccountSchema)
