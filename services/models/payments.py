"""Payments of application fees, their refunds, gateway customers and processed webhook events.

A ``Payment`` is one attempt to collect one application's fee through one PaymentIntent.
At most one payment per application is *open* (``creating``, ``requires_payment``,
``processing``): a partial unique index makes two concurrent taps converge on one row. A fee
change or an expired payment sheet cancels the open payment and opens a new one (a new row,
hence a new gateway idempotency key and a new intent).

Statuses:

- ``creating``: the row exists, the intent is being created at the gateway (or the gateway
  was down: the next request resumes with the same idempotency keys);
- ``requires_payment``: the sheet is ready, waiting for the customer (or after a decline);
- ``processing``: the customer paid with a method that settles later;
- ``succeeded``: the money arrived, for the expected amount and currency;
- ``canceled``: the intent was cancelled, no money was taken;
- ``needs_review``: money arrived but something is wrong (amount or currency mismatch, a
  dispute, an automatic refund the gateway refused): an officer must look at it;
- ``refunding``: money arrived for an application that can no longer be paid (withdrawn,
  rejected) or for a payment already cancelled; an automatic refund is under way;
- ``partially_refunded`` / ``refunded``: after refunds.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import db
from services.models.types import UTCDateTime, utcnow

PAYMENT_STATUSES = (
    "creating",
    "requires_payment",
    "processing",
    "succeeded",
    "canceled",
    "needs_review",
    "refunding",
    "partially_refunded",
    "refunded",
)
OPEN_PAYMENT_STATUSES = ("creating", "requires_payment", "processing")
# Stripe's refund statuses, kept verbatim.
REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")
REFUND_SOURCES = ("staff", "auto", "external")
REVIEW_REASONS = (
    "amount_mismatch",
    "currency_mismatch",
    "dispute",
    "auto_refund_failed",
)


def new_key_nonce() -> str:
    return secrets.token_hex(8)


_sql_list = lambda values: ", ".join(f"'{value}'" for value in values)  # noqa: E731
_OPEN_SQL = f"status IN ({_sql_list(OPEN_PAYMENT_STATUSES)})"


class PaymentCustomer(db.Model):
    """The gateway's customer of an account (created once, reused for every payment).

    Written before the gateway is asked (``customer_id`` still empty), so that the
    idempotency key ``customer:{account_id}:{key_nonce}`` is fixed for the account.
    """

    __tablename__ = "payment_customer"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[str | None] = mapped_column(String(255))
    key_nonce: Mapped[str] = mapped_column(String(16), default=new_key_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def gateway_key(self) -> str:
        return f"customer:{self.account_id}:{self.key_nonce}"


class Payment(db.Model):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(f"status IN ({_sql_list(PAYMENT_STATUSES)})", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("amount_refunded >= 0", name="refunded_not_negative"),
        # One open payment per application: a double tap converges on one row.
        Index(
            "uq_payment_one_open",
            "application_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_payment_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="RESTRICT"), index=True
    )
    # The payer (the application's owner when the payment was opened).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24), default="creating")
    # Part of every gateway idempotency key of this row: ids start again after a database
    # restore or a reset development database, and a key such as "payment:1" must never
    # reach an intent (or a customer's saved cards) that belongs to another row.
    key_nonce: Mapped[str] = mapped_column(String(16), default=new_key_nonce)
    review_reason: Mapped[str | None] = mapped_column(String(32))
    # what the mobile payment sheet needs (set once the intent exists)
    intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(255))
    ephemeral_key_secret: Mapped[str | None] = mapped_column(String(255))
    publishable_key: Mapped[str | None] = mapped_column(String(255))
    sheet_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # money actually seen at the gateway, in minor units of ``currency``
    amount_received: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    application = relationship("Application", lazy="joined")
    refunds = relationship(
        "PaymentRefund", back_populates="payment", order_by="PaymentRefund.id", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PAYMENT_STATUSES

    @property
    def gateway_key(self) -> str:
        """Idempotency key of this payment's intent (the adapter adds ":intent"/":ekey")."""
        return f"payment:{self.id}:{self.key_nonce}"


class PaymentRefund(db.Model):
    """A refund: asked by an officer, automatic, or seen only at the gateway (external).

    The row is written ``pending`` before the gateway is called (with the idempotency key
    ``gateway_idempotency_key``, from its id and nonce), so a crash or an outage in between is retried with the
    same key and can never refund twice. ``client_key`` is the officer's Idempotency-Key.
    """

    __tablename__ = "payment_refund"
    __table_args__ = (
        UniqueConstraint("payment_id", "client_key"),
        CheckConstraint(f"status IN ({_sql_list(REFUND_STATUSES)})", name="status_known"),
        CheckConstraint(f"source IN ({_sql_list(REFUND_SOURCES)})", name="source_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    key_nonce: Mapped[str] = mapped_column(String(16), default=new_key_nonce)
    source: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(String(255))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    payment = relationship("Payment", back_populates="refunds")

    @property
    def gateway_idempotency_key(self) -> str:
        if self.source == "auto":  # at most one per payment (client_key "auto")
            return f"auto-refund:{self.payment_id}:{self.key_nonce}"
        return f"refund:{self.id}:{self.key_nonce}"


class PaymentWebhookEvent(db.Model):
    """A webhook event already applied: its id is unique, stored with its effect."""

    __tablename__ = "payment_webhook_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(BigInteger)  # the gateway's unix time
    payment_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("payment.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
