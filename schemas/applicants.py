"""Schemas for the people an account applies for."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import (
    PASSPORT_NUMBER,
    Base,
    validate_country,
    validate_date_of_birth,
    validate_latin_name,
)

RELATIONSHIPS = ("self", "child", "other")


class ApplicantSummarySchema(Base):
    """Who an appointment or application is for (an application: as when it was opened)."""

    id = ma.fields.Integer(allow_none=True)
    surname_latin = ma.fields.String()
    given_names_latin = ma.fields.String()


class ApplicantSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    relationship = ma.fields.String(required=True, validate=ma.validate.OneOf(RELATIONSHIPS))
    surname_latin = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=80), validate_latin_name]
    )
    given_names_latin = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=120), validate_latin_name]
    )
    surname_native = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=80)
    )
    given_names_native = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=120)
    )
    date_of_birth = ma.fields.Date(required=True, validate=validate_date_of_birth)
    sex = ma.fields.String(required=True, validate=ma.validate.OneOf(("F", "M", "X")))
    nationality = ma.fields.String(required=True, validate=validate_country)
    passport_number = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(PASSPORT_NUMBER, error="5 to 20 capital letters or digits."),
    )
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class ApplicantCreateSchema(ApplicantSchema):
    pass


class ApplicantUpdateSchema(ApplicantSchema):
    """Every field optional: send only what changes."""

    class Meta:
        partial = True
