"""Where each application stands with its fee, and so what its applicant should do next:
what the citizen's application screen shows without a second request.

The payment state, first match wins (``due`` exactly when ``POST /payments`` would open a
payment sheet):

| ``state`` | when |
|-----------|------|
| ``paid`` | a payment took the money (``succeeded``, ``partially_refunded``) |
| ``under_review`` | money arrived but an officer must look at it (``needs_review``) |
| ``refunding`` | money arrived for an application that can no longer be paid; it goes back |
| ``processing`` | the customer paid with a method that settles later |
| ``refunded`` | the application is closed and its payment was refunded |
| ``not_due`` | the application is closed (rejected, withdrawn, ...) and nothing was paid |
| ``not_required`` | the service costs nothing at this post (or no longer has a fee there) |
| ``pay_at_post`` | the post does not take payments in the app, or not this amount |
| ``due`` | otherwise: the fee can be paid in the app now |

``fee`` is what the payment took (or is taking) once there is money in motion, else the
post's current fee for the service.

This sits in the payments domain because it is the lowest one that knows both payments
and applications; the next-action rules themselves are the applications domain's
(``services.applications.next_action``), given ``payment_due`` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import lazyload

from services.applications.next_action import action_facts, next_action
from services.applications.states import FINAL_STATES
from services.core.db import db
from services.core.i18n import Money
from services.models import Application, Fee, Payment
from services.payments.common import PAID_STATUSES, payable_online

PAYMENT_STATES = (
    "paid",
    "under_review",
    "refunding",
    "processing",
    "refunded",
    "not_due",
    "not_required",
    "pay_at_post",
    "due",
)
# Payment statuses that decide the state by themselves, strongest first.
_BY_PAYMENT = (
    (PAID_STATUSES, "paid"),
    (("needs_review",), "under_review"),
    (("refunding",), "refunding"),
    (("processing",), "processing"),
)


@dataclass(frozen=True)
class PaymentStanding:
    state: str
    fee: Money | None
    payment_id: int | None = None  # the payment the state comes from, for its receipt
    paid_at: datetime | None = None

    @property
    def due(self) -> bool:
        return self.state == "due"


@dataclass(frozen=True)
class Overview:
    """What the applicant's screen needs besides the application's own columns."""

    payment: PaymentStanding
    next_action: str


def _standing(
    application: Application, fee: Fee | None, payments: list[Payment]
) -> PaymentStanding:
    for statuses, state in _BY_PAYMENT:
        payment = next((p for p in reversed(payments) if p.status in statuses), None)
        if payment is not None:
            return PaymentStanding(
                state=state,
                fee=Money(payment.amount_minor, payment.currency),
                payment_id=payment.id,
                paid_at=payment.paid_at,
            )
    current = Money(fee.amount_minor, fee.currency) if fee is not None else None
    if application.state in FINAL_STATES:
        refunded = next((p for p in reversed(payments) if p.status == "refunded"), None)
        if refunded is not None:
            return PaymentStanding(
                state="refunded",
                fee=Money(refunded.amount_minor, refunded.currency),
                payment_id=refunded.id,
                paid_at=refunded.paid_at,
            )
        return PaymentStanding(state="not_due", fee=current)
    if current is None or current.amount_minor <= 0:
        return PaymentStanding(state="not_required", fee=current)
    if not application.post.mobile_payment_enabled or not payable_online(
        current.amount_minor, current.currency
    ):
        return PaymentStanding(state="pay_at_post", fee=current)
    open_payment = next((p for p in reversed(payments) if p.is_open), None)
    return PaymentStanding(
        state="due", fee=current, payment_id=open_payment.id if open_payment else None
    )


def payment_standings(applications: Sequence[Application]) -> dict[int, PaymentStanding]:
    """Each application's payment state, by id, in two queries whatever the number."""
    if not applications:
        return {}
    ids = [application.id for application in applications]
    pairs = {(a.post_id, a.service_type_id) for a in applications}
    fees = {
        (fee.post_id, fee.service_type_id): fee
        for fee in db.session.scalars(
            select(Fee).where(tuple_(Fee.post_id, Fee.service_type_id).in_(sorted(pairs)))
        )
    }
    payments: dict[int, list[Payment]] = {}
    for payment in db.session.scalars(
        select(Payment)
        .where(Payment.application_id.in_(ids))
        .order_by(Payment.id)
        # The applications are at hand and refunds are not needed: no join, no extra query.
        .options(lazyload(Payment.application), lazyload(Payment.refunds))
    ):
        payments.setdefault(payment.application_id, []).append(payment)
    return {
        a.id: _standing(a, fees.get((a.post_id, a.service_type_id)), payments.get(a.id, []))
        for a in applications
    }


def overviews(applications: Sequence[Application]) -> dict[int, Overview]:
    """Payment state and next action of each application, by id (a page: four queries)."""
    standings = payment_standings(applications)
    facts = action_facts(applications)
    return {
        a.id: Overview(
            payment=standings[a.id],
            next_action=next_action(a, payment_due=standings[a.id].due, facts=facts[a.id]),
        )
        for a in applications
    }
