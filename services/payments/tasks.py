"""Background tasks of payments: the automatic refund and the reconciliation sweep.

Both are safe to run twice: the refund's gateway idempotency key is per payment, and
reconciliation only applies what the gateway says. Neither raises inside an eager run (a
webhook request must not fail because the follow-up met an outage): what did not happen
is retried by the next reconciliation.
"""

from __future__ import annotations

import logging

from celery import shared_task

from services.core.task_names import TaskNames
from services.payments import common as payment_common
from services.payments import refunds as payment_refunds
from services.payments.reconcile import reconcile

log = logging.getLogger(__name__)


@shared_task(name=TaskNames.AUTO_REFUND, ignore_result=True)
def auto_refund(payment_id: int) -> None:
    try:
        payment_refunds.run_auto_refund(payment_id)
    except payment_common.PaymentGatewayDown:
        log.warning(
            "gateway down: automatic refund of payment %s left to reconciliation", payment_id
        )
    except Exception:
        log.exception("automatic refund of payment %s failed; reconciliation retries", payment_id)


@shared_task(name=TaskNames.RECONCILE_PAYMENTS, ignore_result=True)
def reconcile_payments(older_than_minutes: int = 15) -> dict:
    return reconcile(older_than_minutes=older_than_minutes).as_dict()
