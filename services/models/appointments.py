"""Appointments: opening templates, closures, booking policy, slots, appointments, blocks.

Slots are materialised rows (one per post, service and start) so that capacity is enforced
by the database with one conditional update (``booked = booked + 1 WHERE booked < capacity``).
Every time is stored in UTC; templates hold wall-clock times in the post's IANA zone.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

APPOINTMENT_STATES = ("booked", "checked_in", "completed", "no_show", "cancelled")
# Active appointments count towards the per-account cap and the one-per-applicant-and-service
# rule. Every appointment that is not cancelled holds its seat: ``slot.booked`` counts them.
ACTIVE_STATES = ("booked", "checked_in")
CANCEL_REASONS = ("citizen", "closure")

_ACTIVE_SQL = "status IN ('booked', 'checked_in')"


class BookingPolicy(db.Model):
    """Per-post booking rules; a post without a row uses the column defaults."""

    __tablename__ = "booking_policy"
    __table_args__ = (
        CheckConstraint("min_lead_hours >= 0", name="lead_not_negative"),
        CheckConstraint("max_days_ahead >= 1", name="horizon_positive"),
        CheckConstraint("cancel_cutoff_hours >= 0", name="cutoff_not_negative"),
        CheckConstraint(
            "no_show_limit IS NULL OR no_show_limit >= 1", name="no_show_limit_positive"
        ),
        CheckConstraint("no_show_block_days >= 1", name="block_days_positive"),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    min_lead_hours: Mapped[int] = mapped_column(Integer, default=2)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=60)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    # No-show policy: block booking for ``no_show_block_days`` after ``no_show_limit``
    # no-shows; NULL means the post does not enable it.
    no_show_limit: Mapped[int | None] = mapped_column(Integer)
    no_show_block_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


schedule_template_services = Table(
    "schedule_template_service",
    db.metadata,
    Column(
        "template_id",
        Integer,
        ForeignKey("schedule_template.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "service_type_id",
        Integer,
        ForeignKey("service_type.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class ScheduleTemplate(db.Model):
    """A weekly opening: on ``weekday``, from ``opens_at`` to ``closes_at`` local time."""

    __tablename__ = "schedule_template"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 480", name="slot_minutes_range"),
        CheckConstraint("capacity BETWEEN 1 AND 500", name="capacity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday (date.weekday())
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)  # counters: seats per slot and service
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    services = relationship("ServiceType", secondary=schedule_template_services, lazy="selectin")


class Closure(db.Model):
    """A period the post is closed: [starts_at, ends_at) in UTC, with a reason to show."""

    __tablename__ = "closure"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_closure_post_period", "post_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Given as local dates (whole days) or as a period; kept to show it as it was entered.
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[dict] = mapped_column(JSONType)  # {"en": ..., "zh-Hans": ..., ...}
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post = relationship("Post", lazy="joined", innerjoin=True)


class Slot(db.Model):
    """Seats for one service at one post at one time; ``booked`` counts the appointments
    in it that are not cancelled, ``held`` the seats held back for a release or for a
    waitlist offer. First-come booking takes a seat only while ``booked + held < capacity``."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("post_id", "service_type_id", "starts_at"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_slot_post_start", "post_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_template.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # False once no template produces it any more; kept only for the bookings it holds.
    in_schedule: Mapped[bool] = mapped_column(default=True)


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint(
            "status IN ('booked', 'checked_in', 'completed', 'no_show', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint(
            "cancel_reason IS NULL OR cancel_reason IN ('citizen', 'closure')",
            name="cancel_reason_known",
        ),
        # One active appointment per applicant and service, enforced by the database.
        Index(
            "uq_appointment_active_applicant_service",
            "applicant_id",
            "service_type_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_appointment_account_status", "account_id", "status"),
        Index("ix_appointment_post_status", "post_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # without the hyphens
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    # The fee quoted when booking, in the minor unit of the post's currency.
    fee_amount_minor: Mapped[int | None] = mapped_column(Integer)
    fee_currency: Mapped[str | None] = mapped_column(String(3))
    # Bumped on every change of time, so calendar clients replace the event (RFC 5545).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    closure_id: Mapped[int | None] = mapped_column(ForeignKey("closure.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Claimed by a conditional update, so a reminder is sent once per appointment and slot.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot = relationship("Slot", lazy="joined", innerjoin=True)
    post = relationship("Post", lazy="joined", innerjoin=True)
    service_type = relationship("ServiceType", lazy="joined", innerjoin=True)
    applicant = relationship("Applicant", lazy="joined", innerjoin=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES


class BookingBlock(db.Model):
    """A period during which an account may not book at a post (the no-show policy)."""

    __tablename__ = "booking_block"
    __table_args__ = (Index("ix_booking_block_account_post", "account_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    no_shows: Mapped[int] = mapped_column(Integer)
