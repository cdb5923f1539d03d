"""Reconciliation: what the webhooks should have told us, asked of the gateway directly.

Webhooks can be lost (an outage on our side longer than Stripe's retries, a misconfigured
endpoint). ``reconcile`` re-reads every payment still open after ``older_than_minutes`` and
applies the intent's state through ``services.payments.apply_intent``, the very function
the webhook uses. It also resumes what an outage interrupted: refunds written ``pending``
whose gateway call never completed (same idempotency key), automatic refunds not yet made,
open intents of applications that were withdrawn or rejected (cancelled, so that they
cannot be paid any more), and intents abandoned unpaid for ``PAYMENT_ABANDON_AFTER_HOURS``
(24 by default: cancelled, so the set of open payments re-read every run stays small; the
citizen's next tap opens a new payment). Scheduled every 10 minutes (Celery beat) and
available as ``flask reconcile-payments``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from payments import GatewayUnavailable, PaymentGatewayError, PaymentRejected
from services.core.db import db
from services.core.integrations import payment_gateway
from services.models import Application, Payment, PaymentRefund
from services.models.types import utcnow
from services.payments import common as payment_common
from services.payments import intents as payment_intents
from services.payments import refunds as payment_refunds

log = logging.getLogger(__name__)

BATCH_LIMIT = 500  # per run and per kind; the next run takes the rest


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    canceled_for_closed_applications: int = 0
    canceled_abandoned: int = 0
    refunds_resumed: int = 0
    auto_refunds_resumed: int = 0
    stuck_creating: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _error(report: ReconcileReport, kind: str, ident: int, exc: Exception) -> None:
    log.warning("reconcile: %s %s: %r", kind, ident, exc)
    report.errors.append({kind: ident, "error": getattr(exc, "code", type(exc).__name__)})


def reconcile(older_than_minutes: int = 15) -> ReconcileReport:
    """Re-read open payments older than ``older_than_minutes`` and apply what they became."""
    report = ReconcileReport()
    now = utcnow()
    cutoff = now - timedelta(minutes=older_than_minutes)
    abandoned_before = now - timedelta(
        hours=int(current_app.config.get("PAYMENT_ABANDON_AFTER_HOURS", 24))
    )
    gateway = payment_gateway()

    open_rows = db.session.execute(
        select(
            Payment.id, Payment.intent_id, Payment.key_nonce, Payment.created_at, Application.state
        )
        .join(Application, Application.id == Payment.application_id)
        .where(Payment.status.in_(("requires_payment", "processing")))
        .where(Payment.intent_id.is_not(None), Payment.created_at < cutoff)
        .order_by(Payment.id)
        .limit(BATCH_LIMIT)
    ).all()
    report.stuck_creating = len(
        db.session.scalars(
            select(Payment.id)
            .where(Payment.status == "creating", Payment.created_at < cutoff)
            .limit(BATCH_LIMIT)
        ).all()
    )
    pending_refunds = db.session.scalars(
        select(PaymentRefund.id)
        .where(
            PaymentRefund.status == "pending",
            PaymentRefund.gateway_refund_id.is_(None),
            PaymentRefund.source == "staff",  # automatic ones are resumed below
            PaymentRefund.created_at < cutoff,
        )
        .order_by(PaymentRefund.id)
        .limit(BATCH_LIMIT)
    ).all()
    refunding = db.session.scalars(
        select(Payment.id)
        .where(Payment.status == "refunding", Payment.paid_at < cutoff)
        .order_by(Payment.id)
        .limit(BATCH_LIMIT)
    ).all()
    db.session.commit()  # no transaction stays open across the gateway calls below

    for payment_id, intent_id, nonce, created_at, application_state in open_rows:
        report.checked += 1
        try:
            intent = gateway.retrieve_intent(intent_id=intent_id)
            closed = application_state in payment_common.REFUND_ON_ARRIVAL_STATES
            abandoned = created_at < abandoned_before
            if (closed or abandoned) and intent.status == "requires_payment_method":
                try:
                    intent = gateway.cancel_intent(
                        intent_id=intent_id,
                        idempotency_key=f"cancel:payment:{payment_id}:{nonce}",
                    )
                    if closed:
                        report.canceled_for_closed_applications += 1
                    else:
                        report.canceled_abandoned += 1
                except PaymentRejected:  # paid in the meantime: apply what it became
                    intent = gateway.retrieve_intent(intent_id=intent_id)
            change = payment_intents.apply_intent(payment_id, intent)
        except (PaymentGatewayError, payment_common.PaymentGatewayDown) as exc:
            _error(report, "payment_id", payment_id, exc)
            continue
        if change is not None:
            report.changed.append(
                {"payment_id": payment_id, "from": change.before, "to": change.after}
            )

    for refund_id in pending_refunds:
        try:
            if payment_refunds.retry_pending_refund(refund_id) is not None:
                report.refunds_resumed += 1
        except (GatewayUnavailable, payment_common.PaymentGatewayDown) as exc:
            _error(report, "refund_id", refund_id, exc)

    for payment_id in refunding:
        try:
            if payment_refunds.run_auto_refund(payment_id) is not None:
                report.auto_refunds_resumed += 1
        except (GatewayUnavailable, payment_common.PaymentGatewayDown) as exc:
            _error(report, "payment_id", payment_id, exc)
    return report
