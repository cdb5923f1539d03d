"""The e-mail outbox: a row per message in the cause's transaction, sent by a Celery task.

``queue_email`` writes the row inside the caller's unit of work and queues the send (by task
name) only after that commits: a rolled-back change sends nothing, a broker or provider
outage loses nothing (the sweep picks the row up).

Sending: the worker claims the row with one conditional update (``pending`` and due, or a
``sending`` row whose lease ran out) so that two workers never both hold it, renders it in
the recipient's language, hands it to the ``MailSender`` outside any transaction, and records
the outcome under its lease: ``sent`` with the provider's message id (a sent row is never
claimed again), a retryable error -> ``pending`` with an exponential back-off, out of
attempts -> ``dead``, a refusal -> ``failed``. The lease (5 minutes) is far longer than a
send may take (SES read timeout: 10 s), so only a worker that died between the send and the
record can cause a second copy; the mailbox keeps one file per reference (the row's
``reference``) and SES tags the message with it, so such a copy can be told apart.

A sent or given-up row keeps no secret and no address: ``params`` (links, codes) is emptied
and ``to_address`` replaced by its mask.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, insert, or_, select, update

from mail import MailError, MailMessage, mask_address
from services.core.db import after_commit, db, insert_at_commit, transactional
from services.core.integrations import mail_sender
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.outbox import retry_backoff, still_held
from services.core.task_names import TaskNames
from services.emails.templates import render
from services.models import EMAIL_KINDS, Account, NotificationSettings, OutgoingEmail
from services.models.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
SWEEP_BATCH = 500


# The outbox row as one statement (``queue_email(at_commit=True)``); its other columns'
# Python-side defaults (the reference, the status, when it is due) are computed per row.
_INSERT = (
    insert(OutgoingEmail)
    .values(
        {
            name: bindparam(name, type_=OutgoingEmail.__table__.c[name].type)
            for name in ("account_id", "to_address", "language", "template", "params")
        }
    )
    .returning(OutgoingEmail.id)
)


def queue_email(
    *,
    to: str,
    language: str,
    template: str,
    params: dict[str, Any] | None = None,
    account_id: int | None = None,
    at_commit: bool = False,
) -> OutgoingEmail | None:
    """Write the message to the outbox in the caller's transaction; send after commit.

    ``at_commit``: the row is written at the unit of work's end with its other deferred
    statements (``insert_at_commit``: on PostgreSQL in their round trip, a booking's rows
    and seat), and None is returned; otherwise now, and the row is returned."""
    if at_commit:
        values = {
            "account_id": account_id,
            "to_address": to,
            "language": language,
            "template": template,
            "params": dict(params or {}),
        }
        insert_at_commit(_INSERT, values, _schedule_after_commit)
        return None
    row = OutgoingEmail(
        account_id=account_id,
        to_address=to,
        language=language,
        template=template,
        params=dict(params or {}),
    )
    db.session.add(row)
    db.session.flush()
    email_id = row.id
    after_commit(lambda: _schedule(email_id))
    return row


def _schedule_after_commit(row: tuple) -> None:
    email_id = row[0]
    after_commit(lambda: _schedule(email_id))


def email_account(
    account: Account,
    template: str,
    params: dict[str, Any] | None = None,
    *,
    at_commit: bool = False,
):
    """Queue ``template`` to the account's address in its language (nothing without one);
    ``at_commit`` as ``queue_email``'s."""
    if not account.email:
        return None
    return queue_email(
        to=account.email,
        language=account.language,
        template=template,
        params=params,
        account_id=account.id,
        at_commit=at_commit,
    )


def email_if_enabled(
    account_id: int,
    kind: str,
    template: str,
    params: dict[str, Any],
    *,
    settings: NotificationSettings | None = None,
    at_commit: bool = False,
):
    """The e-mail channel of notifications: queue ``template`` when the account turned
    ``kind`` on in its notification settings and its address is verified. ``settings``:
    the account's row when the caller already read it (None reads it); ``at_commit`` as
    ``queue_email``'s."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    account = db.session.get(Account, account_id)
    if account is None or not account.email or account.email_verified_at is None:
        return None
    if settings is None:
        settings = db.session.get(NotificationSettings, account_id)
    if settings is None or kind not in (settings.email_kinds or []):
        return None
    return email_account(account, template, params, at_commit=at_commit)


def _schedule(email_id: int) -> None:
    enqueue_or_leave_to_sweep(TaskNames.SEND_EMAIL, email_id, what=f"e-mail {email_id}")


def _claimable(now):
    return or_(
        and_(OutgoingEmail.status == "pending", OutgoingEmail.next_attempt_at <= now),
        and_(OutgoingEmail.status == "sending", OutgoingEmail.claimed_until < now),
    )


@transactional
def _claim(email_id: int):
    now = utcnow()
    lease = now + LEASE
    claimed = db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, _claimable(now))
        .values(status="sending", claimed_until=lease, attempts=OutgoingEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    return db.session.get(OutgoingEmail, email_id, populate_existing=True)


def send_email(email_id: int) -> str:
    """Claim, send and record one message; returns its status afterwards ("skipped" when
    another worker holds it or it is not due)."""
    row = _claim(email_id)
    if row is None:
        return "skipped"
    lease, attempts = row.claimed_until, row.attempts
    try:
        rendered = render(row.template, row.language, row.params)
        message = MailMessage(
            to=row.to_address,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            language=row.language,
            reference=row.reference,
            headers={"Auto-Submitted": "auto-generated"},
        )
    except (ValueError, MailError) as exc:  # unknown template, an address SES refuses
        return _record(email_id, lease, status="failed", error=f"invalid: {exc}"[:200])
    try:
        result = mail_sender().send(message=message)
    except MailError as exc:
        if exc.operator_alert:
            log.error("e-mail setup broken (%s): %s", exc.code, exc.provider_code)
        if not exc.retryable:
            return _record(email_id, lease, status="failed", error=_describe(exc))
        if attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 8):
            return _record(email_id, lease, status="dead", error=_describe(exc))
        return _record(
            email_id,
            lease,
            status="pending",
            error=_describe(exc),
            retry_in=retry_backoff(attempts, setting="MAIL_RETRY_BASE_SECONDS"),
        )
    return _record(email_id, lease, status="sent", provider_id=result.provider_message_id)


def _describe(exc: MailError) -> str:
    return f"{exc.code}: {exc.provider_code or ''}"[:200]


@transactional
def _record(
    email_id: int,
    lease,
    *,
    status: str,
    error: str | None = None,
    provider_id: str | None = None,
    retry_in: timedelta | None = None,
) -> str:
    if email_id not in still_held(OutgoingEmail, {email_id: lease}):
        # Another worker re-claimed it after our lease ran out: its record wins.
        return "skipped"
    row = db.session.get(OutgoingEmail, email_id, populate_existing=True)
    row.status = status
    row.claimed_until = None
    row.last_error = error
    if status == "pending":
        row.next_attempt_at = utcnow() + (retry_in or timedelta())
    else:
        # Final: keep what happened, not the secrets or the address.
        row.params = {}
        row.to_address = mask_address(row.to_address)
    if status == "sent":
        row.sent_at = utcnow()
        row.provider_message_id = provider_id
    log.info("e-mail %s %s (attempt %s)", email_id, status, row.attempts)
    return status


@transactional
def _due_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(OutgoingEmail.id)
            .where(_claimable(utcnow()))
            .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
            .limit(SWEEP_BATCH)
        )
    )


def sweep() -> int:
    """Queue every due message (retries, rows whose enqueue was lost, expired leases)."""
    ids = _due_ids()
    for email_id in ids:
        _schedule(email_id)
    return len(ids)


@transactional
def forget_pending_for(account_id: int) -> None:
    """Drop the account's unsent messages (its deletion): they would reveal nothing new
    and hold its address."""
    db.session.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.account_id == account_id,
            OutgoingEmail.status.in_(("pending", "failed", "dead")),
        )
        .values(status="failed", last_error="account_deleted", params={}, to_address="-")
        .execution_options(synchronize_session=False)
    )
