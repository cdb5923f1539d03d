"""Fair release of scarce slots: release windows, the seats they hold back, requests, the
waitlist and its held offers.

A seat held for a release or for an offer is counted in ``slot.held``, so first-come booking
(``booked + held < capacity``) can never take it: ``slot.held`` is always the seats of the
slot's undrawn release plus its open offers.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

# scheduled: taking requests in its window (or waiting for it); drawn: the lottery order is
# fixed and the outcomes are being carried out; allocated: done; cancelled: before the draw.
RELEASE_STATES = ("scheduled", "drawn", "allocated", "cancelled")
WAITLIST_STATES = ("waiting", "offered", "booked", "left", "declined", "expired")
OPEN_WAITLIST_STATES = ("waiting", "offered")
OFFER_STATES = ("open", "accepted", "declined", "expired")

_LIVE_REQUEST = "status = 'live'"
_OPEN_ENTRY = "status IN ('waiting', 'offered')"
_OPEN_OFFER = "status = 'open'"


class Release(db.Model):
    """A release window for one service at one post over local days first..last."""

    __tablename__ = "release"
    __table_args__ = (
        CheckConstraint(
            "status IN ('scheduled', 'drawn', 'allocated', 'cancelled')", name="status_known"
        ),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        CheckConstraint("max_per_account BETWEEN 1 AND 10", name="max_per_account_range"),
        Index("ix_release_post_status", "post_id", "status"),
        Index("ix_release_due", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_per_account: Mapped[int] = mapped_column(SmallInteger, default=2)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # The seed is HMAC(LOTTERY_SEED_SECRET, scheme, public id, nonce): the nonce alone (all
    # the database holds before the draw) does not give it away.
    nonce: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(64))  # revealed at the draw
    # The draw (lottery order, assignments, waitlist), as published; and how many places of
    # the order have been carried out (appointments, waitlist entries, notifications).
    result: Mapped[dict | None] = mapped_column(JSONType)
    applied_through: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post = relationship("Post", lazy="joined", innerjoin=True)
    service_type = relationship("ServiceType", lazy="joined", innerjoin=True)


class ReleaseSlot(db.Model):
    """Seats of one slot held back for a release. A slot belongs to one release at most."""

    __tablename__ = "release_slot"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_not_negative"),)

    slot_id: Mapped[int] = mapped_column(
        ForeignKey("slot.id", ondelete="CASCADE"), primary_key=True
    )
    release_id: Mapped[int] = mapped_column(
        ForeignKey("release.id", ondelete="CASCADE"), index=True
    )
    seats: Mapped[int] = mapped_column(Integer)


class ReleaseRequest(db.Model):
    """One traveller's request in a release: up to three ranked preferences."""

    __tablename__ = "release_request"
    __table_args__ = (
        CheckConstraint("status IN ('live', 'withdrawn')", name="status_known"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('won', 'waitlisted', 'already_booked')",
            name="outcome_known",
        ),
        # One live request per person (passport number + date of birth) across accounts.
        Index(
            "uq_release_request_person",
            "release_id",
            "person_key",
            unique=True,
            sqlite_where=text(_LIVE_REQUEST),
            postgresql_where=text(_LIVE_REQUEST),
        ),
        Index("ix_release_request_account", "account_id", "release_id"),
        Index("ix_release_request_release_status", "release_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    person_key: Mapped[str] = mapped_column(String(64))
    # [{"day": "2027-03-01", "from": "08:00", "until": "12:00"}, ...], best first.
    preferences: Mapped[list] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Filled when the allocation carries out this request's place.
    place: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    won_preference: Mapped[int | None] = mapped_column(SmallInteger)
    won_slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL")
    )
    waitlist_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("waitlist_entry.id", ondelete="SET NULL")
    )

    release = relationship("Release", lazy="joined", innerjoin=True)


class WaitlistEntry(db.Model):
    """A traveller in line for a freed seat of one service at one post. The line is by id:
    losers of a lottery are added in lottery order, direct joins as they come."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'left', 'declined', 'expired')",
            name="status_known",
        ),
        # In line once per applicant, post and service.
        Index(
            "uq_waitlist_entry_open",
            "applicant_id",
            "post_id",
            "service_type_id",
            unique=True,
            sqlite_where=text(_OPEN_ENTRY),
            postgresql_where=text(_OPEN_ENTRY),
        ),
        Index("ix_waitlist_entry_line", "post_id", "service_type_id", "status", "id"),
        Index("ix_waitlist_entry_account", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("release.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post = relationship("Post", lazy="joined", innerjoin=True)
    service_type = relationship("ServiceType", lazy="joined", innerjoin=True)
    release = relationship("Release", lazy="joined")
    preferences = relationship(
        "WaitlistPreference", lazy="selectin", order_by="WaitlistPreference.rank"
    )


class WaitlistPreference(db.Model):
    """A day (and optional band of start times, post wall clock) a waiting traveller takes."""

    __tablename__ = "waitlist_preference"
    __table_args__ = (
        CheckConstraint("rank BETWEEN 1 AND 3", name="rank_range"),
        Index("ix_waitlist_preference_day", "day", "entry_id"),
    )

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("waitlist_entry.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    band_from: Mapped[time | None] = mapped_column(Time)
    band_until: Mapped[time | None] = mapped_column(Time)


class WaitlistOffer(db.Model):
    """A freed seat held for one waiting traveller until ``expires_at``."""

    __tablename__ = "waitlist_offer"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'accepted', 'declined', 'expired')", name="status_known"
        ),
        # One open offer per traveller, and per place in line.
        Index(
            "uq_waitlist_offer_open_applicant",
            "applicant_id",
            unique=True,
            sqlite_where=text(_OPEN_OFFER),
            postgresql_where=text(_OPEN_OFFER),
        ),
        Index(
            "uq_waitlist_offer_open_entry",
            "entry_id",
            unique=True,
            sqlite_where=text(_OPEN_OFFER),
            postgresql_where=text(_OPEN_OFFER),
        ),
        Index("ix_waitlist_offer_due", "status", "expires_at"),
        Index("ix_waitlist_offer_account", "account_id", "status"),
        UniqueConstraint("appointment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)

    slot = relationship("Slot", lazy="joined", innerjoin=True)
    entry = relationship("WaitlistEntry", lazy="joined", innerjoin=True)
