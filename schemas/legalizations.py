"""Schemas for legalization records (staff), their CSV import, and the public check."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base, Translated, validate_country
from services.core.seals import MAX_PAYLOAD_CHARS
from services.models import DOCUMENT_TYPES, LEGALIZATION_STATUSES, SUBMITTER_KINDS
from services.models.legalizations import (
    NUMBER_MAX_LENGTHS,
    REVOKE_REASON_MAX_LENGTH,
    TEXT_MAX_LENGTHS,
)

NUMBER_DESCRIPTION = (
    "As printed on the sticker; stored and matched trimmed, upper case, full-width "
    "characters folded (NFKC)."
)
# Longer than any stored number, so an over-long guess is a plain miss rather than a
# differently shaped answer.
LOOKUP_NUMBER_MAX = 64


def _number(field: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Length(min=1, max=NUMBER_MAX_LENGTHS[field]),
        metadata={"description": NUMBER_DESCRIPTION},
        **kwargs,
    )


def _text(field: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=TEXT_MAX_LENGTHS[field]), **kwargs)


class LegalizationFieldsSchema(Base):
    authentication_number = _number("authentication_number", required=True)
    sub_number = _number("sub_number", required=True)
    sticker_number = _number("sticker_number", required=True)
    submitter_kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(SUBMITTER_KINDS),
        metadata={"description": "A person's name is masked in public answers; an agency's not."},
    )
    submitter_name = _text("submitter_name", required=True)
    country_of_use = ma.fields.String(
        required=True,
        validate=validate_country,
        metadata={"description": "ISO 3166-1 alpha-2 code of the country the document is for"},
    )
    document_type = ma.fields.String(required=True, validate=ma.validate.OneOf(DOCUMENT_TYPES))
    document_title = _text(
        "document_title",
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The document's own title in any script (e.g. 出生公证书); "
            "public: never put a person's name here."
        },
    )
    issuer = _text(
        "issuer", required=True, metadata={"description": "Who issued the document (public)"}
    )
    signer = _text(
        "signer",
        required=True,
        metadata={"description": "Whose seal and signature were legalized (public)"},
    )
    legalized_on = ma.fields.Date(required=True)
    place = _text(
        "place",
        load_default=None,
        allow_none=True,
        metadata={"description": "Where it was legalized; the post's city when left out"},
    )
    notes = _text(
        "notes",
        load_default=None,
        allow_none=True,
        metadata={"description": "Internal notes for staff; never in a public answer"},
    )


class LegalizationCreateSchema(LegalizationFieldsSchema):
    post = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=16),
        metadata={"description": "Code of the post that legalized the document"},
    )


class LegalizationSchema(LegalizationFieldsSchema):
    """A record as officers of its post see it."""

    id = ma.fields.Integer(dump_only=True)
    post = ma.fields.Function(lambda record: record.post.code, dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(LEGALIZATION_STATUSES)})
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_reason = ma.fields.String(dump_only=True, allow_none=True)
    revoked_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    source_import_id = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "SHA-256 of the CSV file the record was imported from"},
    )
    source_line = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class LegalizationQueryArgsSchema(Base):
    status = ma.fields.String(validate=ma.validate.OneOf(LEGALIZATION_STATUSES))
    authentication_number = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    source_import_id = ma.fields.String(validate=ma.validate.Length(equal=64))


class LegalizationRevokeSchema(Base):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=3, max=REVOKE_REASON_MAX_LENGTH),
        metadata={"description": "Why (kept for staff; the public sees only the date)"},
    )


class LegalizationImportArgsSchema(Base):
    dry_run = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Check the file and count what would happen; write nothing"},
    )


class LegalizationImportResultSchema(Base):
    import_id = ma.fields.String(metadata={"description": "SHA-256 of the file"})
    dry_run = ma.fields.Boolean()
    rows = ma.fields.Integer(metadata={"description": "Data rows in the file"})
    created = ma.fields.Integer()
    unchanged = ma.fields.Integer(
        metadata={"description": "Rows already recorded with the same content (re-import)"}
    )
    created_ids = ma.fields.List(ma.fields.Integer())


class VerificationLinkSchema(Base):
    token = ma.fields.String(
        metadata={"description": "The older server-checked token; its link keeps working"}
    )
    url = ma.fields.String(
        metadata={
            "description": "Put this in the sticker's QR code: an upper-case link ending in "
            "the signed payload, which opens the check page and verifies offline"
        }
    )
    payload = ma.fields.String(metadata={"description": "The signed payload alone (PSH1:...)"})


class LegalizationLookupSchema(Base):
    authentication_number = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=LOOKUP_NUMBER_MAX)
    )
    sub_number = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=LOOKUP_NUMBER_MAX)
    )
    sticker_number = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=LOOKUP_NUMBER_MAX)
    )


class PublicLegalizationSchema(Base):
    """What the ministry publishes about a legalization, and nothing more."""

    authentication_number = ma.fields.String()
    sub_number = ma.fields.String()
    sticker_number = ma.fields.String()
    submitter_kind = ma.fields.String(metadata={"enum": list(SUBMITTER_KINDS)})
    submitter_name = ma.fields.String(
        metadata={"description": "A person's name masked (N*** V** A*); an agency's in full"}
    )
    country_of_use = ma.fields.String()
    document_type = ma.fields.String(metadata={"enum": list(DOCUMENT_TYPES)})
    document_title = ma.fields.String(allow_none=True)
    issuer = ma.fields.String()
    signer = ma.fields.String()
    legalized_on = ma.fields.Date()
    place = ma.fields.String()
    post_code = ma.fields.String()
    post_name = Translated("post_names")
    status = ma.fields.String(metadata={"enum": list(LEGALIZATION_STATUSES)})
    revoked_at = ma.fields.DateTime(allow_none=True)


class SealedStickerSchema(Base):
    payload = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_PAYLOAD_CHARS),
        metadata={"description": "The scanned QR text: the sticker's link or its PSH1: payload"},
    )


class SealedCheckSchema(Base):
    """A genuine sticker's answer: its signature is ours and the record exists."""

    verdict = ma.fields.String(
        metadata={
            "enum": ["genuine", "revoked"],
            "description": "genuine, or revoked since it was issued (see revoked_at)",
        }
    )
    revoked_at = ma.fields.DateTime(allow_none=True)
    signed_at = ma.fields.DateTime(metadata={"description": "When the payload was signed"})
    key_id = ma.fields.String(metadata={"description": "kid of the published key that signed"})
    legalization = ma.fields.Nested(PublicLegalizationSchema)
