"""Schemas of staff-only views."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base


class AuditEntrySchema(Base):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String()
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    details = ma.fields.Dict()
    request_id = ma.fields.String(allow_none=True)
