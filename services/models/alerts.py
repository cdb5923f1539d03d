"""Safety alerts: the alert, every version of it (with the reason for each), the countries
it is listed under, the per-topic push outbox, and travellers' check-in answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

ALERT_LEVELS = ("information", "caution", "warning", "emergency")
ALERT_STATES = ("draft", "pending_approval", "published", "rejected", "cancelled", "expired")
VERSION_KINDS = ("initial", "update", "all_clear")
VERSION_STATES = (
    "draft",
    "pending_approval",
    "edited",  # a draft replaced by an edit (a newer version)
    "published",
    "superseded",  # a published version replaced by a newer published one
    "rejected",
    "cancelled",
)
OPEN_VERSION_STATES = ("draft", "pending_approval")
DISPATCH_STATES = ("pending", "sending", "sent", "skipped", "dead")
RESPONSE_STATUSES = ("safe", "need_help")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Alert(db.Model):
    """One alert through its life. Its content lives in versions; the alert points at the
    published one and caches what the public list filters on (status, expiry)."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(ALERT_STATES)})", name="status_known"),
        Index("ix_alert_listing", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # No foreign key on purpose: alert and alert_version would reference each other.
    published_version_id: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    published_version = relationship(
        "AlertVersion",
        primaryjoin="foreign(Alert.published_version_id) == AlertVersion.id",
        viewonly=True,
        lazy="joined",
    )
    versions = relationship(
        "AlertVersion", order_by="AlertVersion.number", viewonly=True, lazy="select"
    )
    country_rows = relationship(
        "AlertCountry", order_by="AlertCountry.country", viewonly=True, lazy="selectin"
    )

    @property
    def countries(self) -> list[str]:
        return [row.country for row in self.country_rows]

    @property
    def open_version(self) -> AlertVersion | None:
        """The version in the works (a draft or one awaiting approval), if any."""
        return next((v for v in self.versions if v.status in OPEN_VERSION_STATES), None)


class AlertCountry(db.Model):
    """The countries an alert is listed under (those of its published version, or of its
    draft before that)."""

    __tablename__ = "alert_country"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class AlertVersion(db.Model):
    """One version of an alert's content. Never edited once it leaves ``draft``: an edit,
    an update or an all-clear is a new version with its own reason, approved on its own."""

    __tablename__ = "alert_version"
    __table_args__ = (
        UniqueConstraint("alert_id", "number"),
        CheckConstraint(f"kind IN ({_in(VERSION_KINDS)})", name="kind_known"),
        CheckConstraint(f"status IN ({_in(VERSION_STATES)})", name="status_known"),
        CheckConstraint(f"level IN ({_in(ALERT_LEVELS)})", name="level_known"),
        # At most one version in the works (draft or awaiting approval) per alert.
        Index(
            "uq_alert_version_one_open",
            "alert_id",
            unique=True,
            sqlite_where=text(f"status IN ({_in(OPEN_VERSION_STATES)})"),
            postgresql_where=text(f"status IN ({_in(OPEN_VERSION_STATES)})"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    level: Mapped[str] = mapped_column(String(16))
    countries: Mapped[list] = mapped_column(JSONType)  # ["FR", ...]
    region: Mapped[str | None] = mapped_column(String(120))
    titles: Mapped[dict] = mapped_column(JSONType)  # {"en": ..., "vi": ...}
    bodies: Mapped[dict] = mapped_column(JSONType)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Inbox fan-out progress: the last account id that got its inbox item (resumable).
    inbox_cursor: Mapped[int] = mapped_column(Integer, default=0)
    inbox_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dispatches = relationship(
        "AlertDispatch", order_by="AlertDispatch.topic", lazy="select", viewonly=True
    )


class AlertDispatch(db.Model):
    """The push of one published version to one FCM topic (country and language): the
    outbox row a worker sends, retried with back-off until it goes out."""

    __tablename__ = "alert_dispatch"
    __table_args__ = (
        UniqueConstraint("version_id", "topic"),
        CheckConstraint(f"status IN ({_in(DISPATCH_STATES)})", name="status_known"),
        Index("ix_alert_dispatch_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("alert_version.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
    truncated: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertResponse(db.Model):
    """A traveller's check-in on an emergency alert: safe, or needs help. One per traveller
    and alert; the traveller may change it, officers mark "need help" answers handled."""

    __tablename__ = "alert_response"
    __table_args__ = (
        UniqueConstraint("alert_id", "account_id"),
        CheckConstraint(f"status IN ({_in(RESPONSE_STATUSES)})", name="status_known"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        Index("ix_alert_response_dashboard", "alert_id", "country", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    account = relationship("Account", foreign_keys=[account_id], lazy="joined")
    # The traveller's trips to that country (officers need the city and emergency contact).
    trips = relationship(
        "Trip",
        primaryjoin="and_(foreign(Trip.account_id) == AlertResponse.account_id, "
        "foreign(Trip.country) == AlertResponse.country)",
        order_by="Trip.start_date.desc()",
        viewonly=True,
        lazy="selectin",
    )
