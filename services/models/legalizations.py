"""Consular legalizations (authentications): the record a sticker on a document refers to.

A record is identified publicly by three numbers printed on the sticker: the authentication
number, its sub-number and the sticker number, stored normalised (NFKC, trimmed, upper case)
and unique together, so a public lookup is one query on one unique index.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import UTCDateTime, utcnow

SUBMITTER_KINDS = ("agency", "person")
# A small, stable classification a receiving authority can filter on; the document's own
# title (free text, any script) goes in ``document_title``.
DOCUMENT_TYPES = (
    "civil_status",  # birth, marriage, divorce, death, kinship certificates
    "education",  # diplomas, transcripts
    "commercial",  # contracts, invoices, certificates of origin, company documents
    "notarial",  # notarial certificates, powers of attorney, declarations
    "judicial",  # judgments, criminal record certificates
    "medical",  # health and vaccination certificates
    "other",
)
LEGALIZATION_STATUSES = ("valid", "revoked")

NUMBER_MAX_LENGTHS = {"authentication_number": 40, "sub_number": 20, "sticker_number": 40}
TEXT_MAX_LENGTHS = {
    "submitter_name": 200,
    "document_title": 200,
    "issuer": 200,
    "signer": 120,
    "place": 120,
    "notes": 1000,
}
REVOKE_REASON_MAX_LENGTH = 500


class Legalization(db.Model):
    __tablename__ = "legalization"
    __table_args__ = (
        UniqueConstraint("authentication_number", "sub_number", "sticker_number"),
        CheckConstraint("submitter_kind IN ('agency', 'person')", name="submitter_kind_known"),
        CheckConstraint("status IN ('valid', 'revoked')", name="status_known"),
        CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authentication_number: Mapped[str] = mapped_column(String(40))
    sub_number: Mapped[str] = mapped_column(String(20))
    sticker_number: Mapped[str] = mapped_column(String(40))
    submitter_kind: Mapped[str] = mapped_column(String(8))
    submitter_name: Mapped[str] = mapped_column(String(200))
    country_of_use: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    document_type: Mapped[str] = mapped_column(String(16))  # one of DOCUMENT_TYPES
    document_title: Mapped[str | None] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))
    signer: Mapped[str] = mapped_column(String(120))
    legalized_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(120))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="RESTRICT"), index=True)
    notes: Mapped[str | None] = mapped_column(String(1000))  # internal, never public
    status: Mapped[str] = mapped_column(String(8), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # SHA-256 of the CSV file a record came from, and its line there (None when typed in).
    source_import_id: Mapped[str | None] = mapped_column(String(64), index=True)
    source_line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post = relationship("Post", lazy="joined", innerjoin=True)

    @property
    def numbers(self) -> tuple[str, str, str]:
        return (self.authentication_number, self.sub_number, self.sticker_number)
