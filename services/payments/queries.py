"""Reading payments: the owner's, the staff's (post-scoped), and receipts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from services.accounts.access import require_post_scope
from services.core.db import db
from services.core.errors import Conflict, NotFound
from services.models import (
    Account,
    Application,
    Payment,
)
from services.payments.common import RECEIPT_STATUSES


# --- reading -------------------------------------------------------------------------------
def get_for_owner(owner: Account, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.application.account_id != owner.id:
        raise NotFound("payment_not_found")
    return payment


def owner_query(owner: Account, application_id: int | None = None) -> Select:
    query = (
        select(Payment)
        .join(Application, Application.id == Payment.application_id)
        .where(Application.account_id == owner.id)
    )
    if application_id is not None:
        query = query.where(Payment.application_id == application_id)
    return query.order_by(Payment.created_at.desc(), Payment.id.desc())


def get_for_staff(actor: Account, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("payment_not_found")
    require_post_scope(actor, payment.application.post)
    return payment


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    reference: str


def receipt_for_owner(owner: Account, payment_id: int) -> Receipt:
    """The receipt of a payment that took money (also after a refund, which it shows)."""
    payment = get_for_owner(owner, payment_id)
    if payment.status not in RECEIPT_STATUSES:
        raise Conflict("receipt_not_available")
    tail = (payment.intent_id or "")[-8:].upper()
    return Receipt(payment=payment, reference=f"{payment.application.number}-{tail}")
