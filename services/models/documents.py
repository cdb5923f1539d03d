"""Passport photos and supporting documents uploaded from the phone.

A document belongs to an account and to one of its applicants (later also to an
application). Its bytes live in the object store, never in the database:

- ``upload_key`` is where the phone POSTs the file (``uploads/applicants/<id>/<uuid>``);
  the presigned policy pins that exact key.
- ``storage_key`` is where the checked copy lives once accepted
  (``documents/applicants/<id>/<uuid>``). It is a *different* key on purpose: the upload
  policy stays valid for a few minutes after the phone used it, so an object under the
  upload key could be replaced after our checks; nothing can ever write to the storage key
  but the service itself. For photos the copy is re-encoded without metadata (EXIF, GPS).

Both keys are chosen by the server with a random UUID, so they cannot be guessed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

DOCUMENT_KINDS = ("photo", "supporting")
DOCUMENT_STATUSES = ("pending_upload", "accepted", "rejected")


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint("kind IN ('photo', 'supporting')", name="kind_known"),
        CheckConstraint(
            "status IN ('pending_upload', 'accepted', 'rejected')", name="status_known"
        ),
        CheckConstraint(
            "(status = 'accepted') = (storage_key IS NOT NULL)", name="accepted_has_copy"
        ),
        CheckConstraint("declared_size > 0", name="declared_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64))
    declared_size: Mapped[int] = mapped_column(Integer)
    upload_key: Mapped[str] = mapped_column(String(200), unique=True)
    storage_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending_upload")
    # [{"code": "too_small", "detail": "350x450 px is too small; ..."}] when rejected.
    failed_checks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    stored_size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored copy
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
