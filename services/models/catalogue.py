"""Posts (embassies, consulates, offices), service types and the fee of each at each post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

POST_KINDS = ("embassy", "consulate", "office")


class Post(db.Model):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("kind IN ('embassy', 'consulate', 'office')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    names: Mapped[dict] = mapped_column(JSONType)  # {"en": ..., "zh-Hans": ..., ...}
    country: Mapped[str] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    city: Mapped[str] = mapped_column(String(80))
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    mobile_payment_enabled: Mapped[bool] = mapped_column(default=False)
    # Whether officers may open an application for someone who walked in without booking.
    walk_in_applications: Mapped[bool] = mapped_column(default=False)
    # ISO weekdays the post is closed every week (Mon=1 ... Sun=7); Sat+Sun by default,
    # Fri+Sat in much of the Middle East.
    weekend_days: Mapped[list] = mapped_column(JSONType, default=lambda: [6, 7])
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fees = relationship("Fee", back_populates="post", lazy="raise_on_sql")


class ServiceType(db.Model):
    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict] = mapped_column(JSONType)
    materials: Mapped[dict] = mapped_column(JSONType)  # {"en": [..], "vi": [..], ...}
    processing_days: Mapped[int] = mapped_column(Integer)  # working days
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Fee(db.Model):
    """The fee of one service at one post, in the post's currency's minor unit."""

    __tablename__ = "fee"
    __table_args__ = (
        UniqueConstraint("post_id", "service_type_id"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post = relationship("Post", back_populates="fees")
    service_type = relationship("ServiceType", lazy="joined")
