"""Passport applications, their state-change events, and satisfaction ratings.

An application keeps a snapshot of who applied (names, date of birth) taken when it was
opened: the public lookup checks against it, and it stays true for walk-ins without an
account and after an applicant record is edited.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import UTCDateTime, utcnow

APPLICATION_STATES = (
    "submitted",
    "accepted",
    "in_review",
    "more_information_required",
    "approved",
    "in_production",
    "ready_for_collection",
    "dispatched",
    "collected",
    "delivered",
    "rejected",
    "withdrawn",
)
DELIVERY_METHODS = ("collection", "courier")

_STATES_SQL = ", ".join(f"'{state}'" for state in APPLICATION_STATES)


class ApplicationCounter(db.Model):
    """The last sequence number used per post and year (for application numbers)."""

    __tablename__ = "application_counter"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("delivery_method IN ('collection', 'courier')", name="delivery_known"),
        Index("ix_application_post_state", "post_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    applicant_id: Mapped[int | None] = mapped_column(
        ForeignKey("applicant.id", ondelete="SET NULL")
    )
    # The appointment at which it was opened (none for walk-ins); one application each.
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"), unique=True
    )
    # snapshot of the person, taken when the application was opened
    surname_latin: Mapped[str] = mapped_column(String(80))
    given_names_latin: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="en")
    state: Mapped[str] = mapped_column(String(32), default="submitted")
    delivery_method: Mapped[str] = mapped_column(String(16), default="collection")
    delivery_address: Mapped[str | None] = mapped_column(String(300))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post = relationship("Post", lazy="joined")
    service_type = relationship("ServiceType", lazy="joined")
    events = relationship(
        "ApplicationEvent",
        back_populates="application",
        order_by="ApplicationEvent.id",
        lazy="selectin",
    )
    # The applicant's satisfaction rating, if any (one per application).
    rating = relationship("ApplicationRating", uselist=False, lazy="selectin", viewonly=True)


class ApplicationEvent(db.Model):
    """One state change: the public note goes to the applicant, the internal note never."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(16))
    public_note: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    information_requested: Mapped[str | None] = mapped_column(Text)

    application = relationship("Application", back_populates="events")


class ApplicationRating(db.Model):
    """One satisfaction rating per application, after collection or delivery."""

    __tablename__ = "application_rating"
    __table_args__ = (
        UniqueConstraint("application_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application = relationship("Application", viewonly=True)
