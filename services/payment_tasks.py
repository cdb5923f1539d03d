"""Background tasks of payments: the automatic refund and the reconciliation sweep.

Both are safe to run twice: the refund's gateway idempotency key is per payment, and
reconciliation only applies what the gateway says. Neither raises inside an eager run (a
webhook request must not fail because the follow-up met an outage): what did not happen
is retried by the next reconciliation.
"""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="services.payment_tasks.auto_refund", ignore_result=True)
def auto_refund(payment_id: int) -> None:
    from services import payments

    try:
        payments.run_auto_refund(payment_id)
    except payments.PaymentGatewayDown:
        log.warning(
            "gateway down: automatic refund of payment %s left to reconciliation", payment_id
        )
    except Exception:
        log.exception("automatic refund of payment %s failed; reconciliation retries", payment_id)


@shared_task(name="services.payment_tasks.reconcile_payments", ignore_result=True)
def reconcile_payments(older_than_minutes: int = 15) -> dict:
    from services.payment_reconcile import reconcile

    return reconcile(older_than_minutes=older_than_minutes).as_dict()
