"""Schemas for posts, service types and fees."""

from __future__ import annotations

import marshmallow as ma

from payments.currency import format_amount, minor_unit_exponent
from schemas.common import (
    Base,
    LocalizedListField,
    LocalizedTextField,
    Translated,
    current_language,
    validate_country,
    validate_currency,
    validate_time_zone,
)
from services.core.languages import pick_translation
from services.models import POST_KINDS


class MoneySchema(Base):
    amount_minor = ma.fields.Integer(
        metadata={"description": "Integer amount in the currency's minor unit"}
    )
    currency = ma.fields.String(metadata={"description": "ISO 4217 code"})
    exponent = ma.fields.Method("_exponent", metadata={"description": "ISO 4217 minor unit"})
    display = ma.fields.Method("_display", metadata={"description": "Formatted for the language"})

    def _exponent(self, fee) -> int:
        return minor_unit_exponent(fee.currency)

    def _display(self, fee) -> str:
        # Babel spells locales with underscores: zh-Hant -> zh_Hant.
        return format_amount(fee.amount_minor, fee.currency, current_language().replace("-", "_"))


# One instance for every fee shown: a schema is built once and dumped often.
MONEY = MoneySchema()


class PostSummarySchema(Base):
    """What a citizen's appointment or application shows of its post."""

    code = ma.fields.String(metadata={"example": "FR-PAR"})
    name = Translated("names")
    time_zone = ma.fields.String(metadata={"description": "IANA time zone"})
    address = ma.fields.String()


class PostSchema(Base):
    code = ma.fields.String(metadata={"example": "FR-PAR"})
    kind = ma.fields.String(metadata={"enum": list(POST_KINDS)})
    name = Translated("names")
    names = LocalizedTextField()
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    city = ma.fields.String()
    time_zone = ma.fields.String(metadata={"description": "IANA time zone"})
    address = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    currency_exponent = ma.fields.Method("_exponent")
    mobile_payment_enabled = ma.fields.Boolean()
    walk_in_applications = ma.fields.Boolean()
    weekend_days = ma.fields.List(ma.fields.Integer(), metadata={"description": "ISO weekdays"})
    is_active = ma.fields.Boolean()

    def _exponent(self, post) -> int:
        return minor_unit_exponent(post.currency)


class PostCreateSchema(Base):
    code = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[A-Za-z]{2}-[A-Za-z0-9]{2,12}$")
    )
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(POST_KINDS))
    names = LocalizedTextField(required=True)
    country = ma.fields.String(required=True, validate=validate_country)
    city = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    time_zone = ma.fields.String(required=True, validate=validate_time_zone)
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20))
    currency = ma.fields.String(required=True, validate=validate_currency)
    mobile_payment_enabled = ma.fields.Boolean(load_default=False)
    walk_in_applications = ma.fields.Boolean(load_default=False)
    weekend_days = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=7)),
        load_default=lambda: [6, 7],
        validate=ma.validate.Length(max=6),
        metadata={"description": "ISO weekdays the post is closed (Mon=1 ... Sun=7)"},
    )
    is_active = ma.fields.Boolean(load_default=True)


class PostUpdateSchema(PostCreateSchema):
    class Meta:
        exclude = ("code",)


class PostQueryArgsSchema(Base):
    country = ma.fields.String(validate=validate_country)


class ServiceTypeSchema(Base):
    code = ma.fields.String(metadata={"example": "passport_renewal"})
    name = Translated("names")
    names = LocalizedTextField()
    materials = LocalizedListField()
    processing_days = ma.fields.Integer(metadata={"description": "Working days"})
    is_active = ma.fields.Boolean()


class ServiceTypeCreateSchema(Base):
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z][a-z0-9_]{2,39}$"))
    names = LocalizedTextField(required=True)
    materials = LocalizedListField(load_default=dict)
    processing_days = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=365))
    is_active = ma.fields.Boolean(load_default=True)


class ServiceTypeUpdateSchema(ServiceTypeCreateSchema):
    class Meta:
        exclude = ("code",)


class PostServiceSchema(Base):
    """A service as offered at one post, with its fee there."""

    code = ma.fields.Function(lambda fee: fee.service_type.code)
    name = ma.fields.Function(
        lambda fee: pick_translation(fee.service_type.names, current_language())
    )
    names = ma.fields.Function(lambda fee: fee.service_type.names)
    materials = ma.fields.Function(
        lambda fee: (
            (fee.service_type.materials or {}).get(current_language())
            or (fee.service_type.materials or {}).get("en", [])
        )
    )
    processing_days = ma.fields.Function(lambda fee: fee.service_type.processing_days)
    fee = ma.fields.Function(lambda fee: MONEY.dump(fee))


class FeeSetSchema(Base):
    # A decimal string, not a JSON number: binary floats cannot carry 12.345 KWD exactly.
    amount = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(
            r"^\d{1,12}(\.\d{1,6})?$", error="A decimal amount, e.g. 12.500."
        ),
        metadata={"description": "Decimal amount in the post's currency, e.g. '12.500' for KWD"},
    )


class FeeSchema(Base):
    post = ma.fields.Function(lambda fee: fee.post.code)
    service = ma.fields.Function(lambda fee: fee.service_type.code)
    fee = ma.fields.Function(lambda fee: MONEY.dump(fee))
