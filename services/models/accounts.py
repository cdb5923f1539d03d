"""Accounts, staff post scopes, login sessions (refresh-token families) and applicants."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import UTCDateTime, utcnow

ROLES = ("citizen", "officer", "admin")

staff_posts = Table(
    "staff_post",
    db.metadata,
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", Integer, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
)


class Account(db.Model):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ('citizen', 'officer', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="citizen")
    display_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(default=True)
    # When the owner proved they read mail at ``email`` (a link or a code we sent there).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Loaded when a staff check reads it: citizens' requests never need the query.
    posts = relationship("Post", secondary=staff_posts, lazy="select")

    @property
    def is_staff(self) -> bool:
        return self.role in ("officer", "admin")

    @property
    def post_ids(self) -> set[int]:
        return {post.id for post in self.posts}


class LoginSession(db.Model):
    """One login: the family of refresh tokens that rotate from it."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The login or the last refresh (access tokens live 15 minutes, so this is that close).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the app said it runs on at login ("Pixel 8"), shown in the list of sessions.
    device_name: Mapped[str | None] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(db.Model):
    """A refresh token's jti; it may be used once, then the family rotates."""

    __tablename__ = "refresh_token"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("login_session.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


TOKEN_PURPOSES = ("verify_email", "reset_password", "change_email")


class AccountToken(db.Model):
    """A secret we e-mailed: a long token for the link and a short code for typing.

    Only hashes are stored: SHA-256 of the token (it has 256 bits, nothing to guess) and an
    HMAC of the code keyed with the app's secret and the row (six digits would fall to a
    dictionary). Single use (``used_at``), expiring, and spent after a few wrong codes.
    ``new_email`` is the address a ``change_email`` token moves the account to.
    """

    __tablename__ = "account_token"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email', 'reset_password', 'change_email')", name="purpose_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    new_email: Mapped[str | None] = mapped_column(String(254))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Applicant(db.Model):
    """A person an account applies for: the holder themself or a child."""

    __tablename__ = "applicant"
    __table_args__ = (
        CheckConstraint("sex IN ('F', 'M', 'X')", name="sex_known"),
        CheckConstraint("relationship IN ('self', 'child', 'other')", name="relationship_known"),
        # At most one "self" per account.
        Index(
            "uq_applicant_one_self",
            "account_id",
            unique=True,
            sqlite_where=text("relationship = 'self'"),
            postgresql_where=text("relationship = 'self'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    relationship: Mapped[str] = mapped_column(String(8))
    surname_latin: Mapped[str] = mapped_column(String(80))
    given_names_latin: Mapped[str] = mapped_column(String(120))
    surname_native: Mapped[str | None] = mapped_column(String(80))
    given_names_native: Mapped[str | None] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    nationality: Mapped[str] = mapped_column(String(2))
    passport_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
