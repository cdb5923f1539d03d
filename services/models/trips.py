"""Trips travellers register, countries they follow, and the FCM topic subscriptions of their
devices that follow from both (kept in step by ``services.topic_subscriptions``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import db
from services.models.types import UTCDateTime, utcnow

SUBSCRIPTION_STATES = ("pending", "subscribed", "unsubscribing", "failed")


class Trip(db.Model):
    """A registered trip: the traveller is in ``country`` from ``start_date`` to ``end_date``
    (inclusive, UTC calendar dates)."""

    __tablename__ = "trip"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        # "Who is in these countries today": country, then the end date narrows the range.
        Index("ix_trip_country_end", "country", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(String(80))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CountryFollow(db.Model):
    """A country an account follows (family there, frequent trips): alerts without a trip."""

    __tablename__ = "country_follow"
    __table_args__ = (UniqueConstraint("account_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TopicSubscription(db.Model):
    """What we asked FCM for one (token, topic): the reconcile job's memory.

    Keyed by the token (its SHA-256) rather than the device row: FCM subscribes tokens, and a
    device row may be deleted (logout) while its token stays subscribed until we unsubscribe
    it. ``device_id`` is then NULL and the row is an orphan to unsubscribe.
    States: ``pending`` (to subscribe), ``subscribed``, ``unsubscribing`` (to unsubscribe;
    the row is deleted once FCM confirms), ``failed`` (FCM refused the token for good).
    """

    __tablename__ = "topic_subscription"
    __table_args__ = (
        UniqueConstraint("token_hash", "topic"),
        CheckConstraint(
            "state IN ('pending', 'subscribed', 'unsubscribing', 'failed')", name="state_known"
        ),
        Index("ix_topic_subscription_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("device.id", ondelete="SET NULL"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(4096))
    topic: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    subscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
