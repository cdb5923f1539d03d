"""Devices (FCM tokens), inbox notifications, per-device deliveries (the outbox), preferences."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

PLATFORMS = ("ios", "android", "web")
NOTIFICATION_KINDS = ("status_change", "reminder", "payment", "alert")
# What may also go out by e-mail, when the account turns it on (and its address is verified).
EMAIL_KINDS = ("booking_confirmation", "payment_receipt")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "dead")


class Device(db.Model):
    """A phone's FCM registration token. A token belongs to one account at a time; it moves
    to another account only with the proof of the app installation that registered it
    (``installation_hash``, SHA-256 of the app's installation id)."""

    __tablename__ = "device"
    __table_args__ = (
        CheckConstraint("platform IN ('ios', 'android', 'web')", name="platform_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(4096), unique=True)
    platform: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    app_version: Mapped[str | None] = mapped_column(String(32))
    installation_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))


class Notification(db.Model):
    """An inbox item. Push is only its delivery: the inbox keeps it whatever happens to push."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('status_change', 'reminder', 'payment', 'alert')", name="kind_known"
        ),
        Index("ix_notification_account_unread", "account_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)  # deep-link ids, strings only
    emergency: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a later change made the item untrue (a reminder for an appointment since
    # moved or cancelled): the inbox keeps it, marked, and its unsent pushes are dropped.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries = relationship("Delivery", back_populates="notification", lazy="raise_on_sql")


class Delivery(db.Model):
    """One push of one notification to one device: the outbox row a worker sends."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "device_id"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'dead')", name="status_known"
        ),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notification = relationship("Notification", back_populates="deliveries", lazy="joined")
    device = relationship("Device", lazy="joined")


class NotificationSettings(db.Model):
    """Per-account push preferences: kinds turned off, and quiet hours in local time."""

    __tablename__ = "notification_settings"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    muted_kinds: Mapped[list] = mapped_column(JSONType, default=list)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    # E-mail channel: the kinds (EMAIL_KINDS) also sent by e-mail; none by default.
    email_kinds: Mapped[list] = mapped_column(JSONType, default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
