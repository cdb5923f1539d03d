"""Deleting an account, once nothing is left that must finish first.

Refused (409) while an appointment is active (booked or checked in:
``account_has_appointments``), an application is not in a final state
(``account_has_open_applications``), or money is moving (an open payment, a refund under
way: ``account_has_pending_payments``). Otherwise, in one unit of work: the documents and
their stored objects (deleted after the commit), the account row and, through the foreign
keys, everything that is only personal data (sessions, tokens, applicants, past
appointments, devices, inbox, settings, trips, follows, alert answers); unsent e-mail is
dropped. Payments and applications stay for the post's and the accountants' records, their
links to the account and the applicant set to NULL by the foreign keys. After the commit
the devices' alert topics are unsubscribed and the address is told. README, "Retention".
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select

from services.accounts.audit import record_audit
from services.accounts.passwords import verify_password
from services.alerts.resync import schedule_sync
from services.applications.states import FINAL_STATES
from services.core.db import db, transactional
from services.core.errors import Conflict, Forbidden
from services.documents.documents import forget_applicant_documents
from services.emails.outbox import forget_pending_for, queue_email
from services.models import (
    ACTIVE_STATES,
    OPEN_PAYMENT_STATUSES,
    Account,
    Applicant,
    Application,
    Appointment,
    Payment,
    PaymentRefund,
)

MONEY_MOVING = (*OPEN_PAYMENT_STATUSES, "refunding", "needs_review")
REFUNDS_UNDER_WAY = ("pending", "requires_action")


def blocker(account_id: int) -> str | None:
    """The error code of what must finish before the account can go, or None."""
    if db.session.scalar(
        select(
            exists().where(
                Appointment.account_id == account_id, Appointment.status.in_(ACTIVE_STATES)
            )
        )
    ):
        return "account_has_appointments"
    if db.session.scalar(
        select(
            exists().where(
                Application.account_id == account_id, Application.state.not_in(FINAL_STATES)
            )
        )
    ):
        return "account_has_open_applications"
    payments = select(Payment.id).where(Payment.account_id == account_id)
    if db.session.scalar(
        select(exists().where(Payment.account_id == account_id, Payment.status.in_(MONEY_MOVING)))
    ) or db.session.scalar(
        select(
            exists().where(
                PaymentRefund.payment_id.in_(payments),
                PaymentRefund.status.in_(REFUNDS_UNDER_WAY),
            )
        )
    ):
        return "account_has_pending_payments"
    return None


@transactional
def delete_account(account: Account, *, password: str) -> None:
    if not verify_password(account.password_hash, password):
        raise Forbidden("wrong_password")
    if account.is_staff:
        # Staff accounts carry post scopes and audit history: an admin retires them.
        raise Forbidden()
    # Lock the account row: a booking or payment racing the deletion waits for it (both
    # lock the account first), and then finds no account.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    code = blocker(account.id)
    if code:
        raise Conflict(code)
    account_id, email, language = account.id, account.email, account.language
    for applicant_id in db.session.scalars(
        select(Applicant.id).where(Applicant.account_id == account_id)
    ):
        forget_applicant_documents(applicant_id)
    forget_pending_for(account_id)
    record_audit(account, "account.delete", "account", account_id)
    db.session.execute(
        delete(Account).where(Account.id == account_id).execution_options(synchronize_session=False)
    )
    db.session.expunge(account)
    # The devices are gone with the account; their tokens leave the alert topics.
    schedule_sync(account_id)
    if email:
        queue_email(to=email, language=language, template="account_deleted")
