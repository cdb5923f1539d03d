"""Reconciliation: what the webhooks should have told us, asked of the gateway directly.

Webhooks can be lost (an outage on our side longer than Stripe's retries, a misconfigured
endpoint). ``reconcile`` re-reads every payment still open after ``older_than_minutes`` and
applies the intent's state through ``services.payments.apply_intent``, the very function
the webhook uses. It also resumes what an outage interrupted: refunds written ``pending``
whose gateway call never completed (same idempotency key), automatic refunds not yet made,
and open intents of applications that were withdrawn or rejected (cancelled, so that they
cannot be paid any more). Scheduled every 10 minutes (Celery beat) and available as
``flask reconcile-payments``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from payments import GatewayUnavailable, PaymentGatewayError, PaymentRejected
from services import payments
from services.db import db
from services.integrations import payment_gateway
from services.models import Application, Payment, PaymentRefund
from services.models.types import utcnow

log = logging.getLogger(__name__)

BATCH_LIMIT = 500  # per run and per kind; the next run takes the rest


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    canceled_for_closed_applications: int = 0
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
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    gateway = payment_gateway()

    open_rows = db.session.execute(
        select(Payment.id, Payment.intent_id, Payment.status, Application.state)
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

    for payment_id, intent_id, _status, application_state in open_rows:
        report.checked += 1
        try:
            intent = gateway.retrieve_intent(intent_id=intent_id)
            if (
                application_state in payments.REFUND_ON_ARRIVAL_STATES
                and intent.status == "requires_payment_method"
            ):
                try:
                    intent = gateway.cancel_intent(
                        intent_id=intent_id, idempotency_key=f"cancel:{payment_id}"
                    )
                    report.canceled_for_closed_applications += 1
                except PaymentRejected:
                    intent = gateway.retrieve_intent(intent_id=intent_id)
            change = payments.apply_intent(payment_id, intent)
        except (PaymentGatewayError, payments.PaymentGatewayDown) as exc:
            _error(report, "payment_id", payment_id, exc)
            continue
        if change is not None:
            report.changed.append(
                {"payment_id": payment_id, "from": change.before, "to": change.after}
            )

    for refund_id in pending_refunds:
        try:
            if payments.retry_pending_refund(refund_id) is not None:
                report.refunds_resumed += 1
        except (GatewayUnavailable, payments.PaymentGatewayDown) as exc:
            _error(report, "refund_id", refund_id, exc)

    for payment_id in refunding:
        try:
            if payments.run_auto_refund(payment_id) is not None:
                report.auto_refunds_resumed += 1
        except (GatewayUnavailable, payments.PaymentGatewayDown) as exc:
            _error(report, "payment_id", payment_id, exc)
    return report
