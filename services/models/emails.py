"""The e-mail outbox: one row per message, written in the transaction that causes it."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import db
from services.models.types import JSONType, UTCDateTime, utcnow

EMAIL_STATES = ("pending", "sending", "sent", "failed", "dead")


def new_reference() -> str:
    # Random rather than the row id: ids start again after a restore or a reset development
    # database, and the mailbox (one file per reference) would keep an older message.
    return "mail-" + secrets.token_hex(12)


class OutgoingEmail(db.Model):
    """One e-mail to send: rendered by the worker from ``template`` and ``params`` in
    ``language``, then sent once (``provider_message_id`` records the provider's id).

    ``params`` may hold a link or a code until the message is sent; the worker empties it
    then, and replaces ``to_address`` by its mask, so a sent row keeps no secret and no
    address. ``account_id`` is NULL for mail to an address no account has (yet).
    """

    __tablename__ = "outgoing_email"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'dead')", name="status_known"
        ),
        Index("ix_outgoing_email_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stamped on the message (X-Palm-Reference, the SES "reference" tag, the mailbox file
    # name), so a copy, a bounce or a complaint leads back to this row.
    reference: Mapped[str] = mapped_column(String(40), unique=True, default=new_reference)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
