"""Schemas for photo and document uploads."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base, current_language
from services.documents.checks import describe_checks
from services.documents.documents import CONTENT_TYPES, KIND_RULES
from services.models import DOCUMENT_KINDS, DOCUMENT_STATUSES

_LARGEST = max(rule.max_size for rule in KIND_RULES.values())
_RULES_TEXT = "; ".join(
    f"{kind}: {', '.join(rule.content_types)}, {rule.min_size} to {rule.max_size} bytes"
    for kind, rule in KIND_RULES.items()
)


class DocumentCreateSchema(Base):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(DOCUMENT_KINDS),
        metadata={"description": "photo (the passport photo) or supporting (any other document)"},
    )
    content_type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CONTENT_TYPES),
        metadata={"description": "The exact type of the file. Allowed per kind: " + _RULES_TEXT},
    )
    size = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=_LARGEST),
        metadata={
            "description": "The size of the file in bytes; the upload may not be larger. "
            "Limits per kind: " + _RULES_TEXT
        },
    )


class StaffDocumentQueryArgsSchema(Base):
    kind = ma.fields.String(validate=ma.validate.OneOf(DOCUMENT_KINDS))


class DocumentQueryArgsSchema(StaffDocumentQueryArgsSchema):
    # Staff see accepted documents only; the owner filters by status too.
    status = ma.fields.String(validate=ma.validate.OneOf(DOCUMENT_STATUSES))


class StaffDownloadSchema(Base):
    post = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Code of the post whose officer took the link"},
    )
    at = ma.fields.DateTime(dump_only=True)


class FailedCheckSchema(ma.Schema):
    code = ma.fields.String(
        required=True, metadata={"description": "Stable code of the check, e.g. too_small"}
    )
    message = ma.fields.String(
        required=True, metadata={"description": "What to do, in the request's language"}
    )
    detail = ma.fields.String(
        required=True, metadata={"description": "The check's precise finding, in English"}
    )


class _FailedChecks(ma.fields.List):
    """Stored ``[{code, detail}]`` dumped with a message in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(FailedCheckSchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(describe_checks(value, current_language()), attr, obj, **kwargs)


class DocumentSchema(Base):
    id = ma.fields.Integer(dump_only=True)
    applicant_id = ma.fields.Integer(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"enum": list(DOCUMENT_KINDS)})
    content_type = ma.fields.String(dump_only=True)
    declared_size = ma.fields.Integer(
        dump_only=True, metadata={"description": "The size announced when asking to upload"}
    )
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "enum": list(DOCUMENT_STATUSES),
            "description": "pending_upload until confirmed; then accepted or rejected",
        },
    )
    failed_checks = _FailedChecks(
        dump_only=True,
        metadata={"description": "Why a rejected document was refused (empty otherwise)"},
    )
    stored_size = ma.fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Size of the stored copy (metadata stripped from images)"},
    )
    sha256 = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "SHA-256 of the stored copy"}
    )
    created_at = ma.fields.DateTime(dump_only=True)
    confirmed_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class PresignedUploadSchema(Base):
    url = ma.fields.String(dump_only=True, metadata={"description": "POST the multipart form here"})
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        dump_only=True,
        metadata={
            "description": "Send every one of these as form fields, then the file as the "
            "last part, named `file`"
        },
    )
    expires_at = ma.fields.DateTime(
        dump_only=True, metadata={"description": "The upload must start before this"}
    )


class DocumentUploadSchema(Base):
    document = ma.fields.Nested(DocumentSchema, dump_only=True)
    upload = ma.fields.Nested(PresignedUploadSchema, dump_only=True)


class DownloadLinkSchema(Base):
    url = ma.fields.String(
        dump_only=True, metadata={"description": "A GET link to the file, valid a few minutes"}
    )
    expires_at = ma.fields.DateTime(dump_only=True)


# --- the published upload rules -------------------------------------------------------------
class AspectRatioSchema(Base):
    name = ma.fields.String(metadata={"example": "35:45"})
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    value = ma.fields.Float(metadata={"description": "width / height, e.g. 0.7778"})


class PixelRulesSchema(Base):
    min_side = ma.fields.Integer(
        allow_none=True, metadata={"description": "Each side at least (px); null: any"}
    )
    max_side = ma.fields.Integer(metadata={"description": "The longer side at most (px)"})
    max_pixels = ma.fields.Integer(metadata={"description": "width × height at most"})
    stored_max_side = ma.fields.Integer(
        metadata={"description": "The stored copy is scaled down to this longer side (px)"}
    )


class CheckExplanationSchema(Base):
    code = ma.fields.String(metadata={"description": "A failed check's stable code"})
    message = ma.fields.String(metadata={"description": "What it means, in your language"})


class KindRulesSchema(Base):
    kind = ma.fields.String(metadata={"enum": list(DOCUMENT_KINDS)})
    description = ma.fields.String(metadata={"description": "The rules in your language"})
    content_types = ma.fields.List(ma.fields.String())
    min_bytes = ma.fields.Integer()
    max_bytes = ma.fields.Integer()
    image_types = ma.fields.List(
        ma.fields.String(), metadata={"description": "The types the pixel rules apply to"}
    )
    pixels = ma.fields.Nested(PixelRulesSchema)
    aspect_ratios = ma.fields.List(
        ma.fields.Nested(AspectRatioSchema),
        metadata={"description": "Accepted shapes (width:height as displayed); empty: any"},
    )
    aspect_tolerance = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Relative tolerance on the shape: 0.03 is ±3 %; null: any"},
    )
    checks = ma.fields.List(
        ma.fields.Nested(CheckExplanationSchema),
        metadata={"description": "The checks made after upload and what each failure means"},
    )


class DocumentRulesSchema(Base):
    kinds = ma.fields.List(ma.fields.Nested(KindRulesSchema))
