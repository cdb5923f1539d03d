"""The e-mail outbox: written with its cause, sent after commit, retried, never sent twice,
rendered in the recipient's language as text and HTML, no secret kept once sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mail import MailRejected, MailSender, MailUnavailable, SendResult
from services.core.db import db, unit_of_work
from services.emails import outbox
from services.models import OutgoingEmail

# A real template (services/accounts/texts.py), in the catalogues in four languages.
TEMPLATE = "verify_email"
PARAMS = {"code": "12<b>34", "minutes": 30, "link": "https://app.example/x?token=abc&y=1"}


class Recording(MailSender):
    """A sender that fails as told, then records what it sends."""

    def __init__(self, failures=()) -> None:
        self.failures = list(failures)
        self.sent = []

    def send(self, *, message):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return SendResult(provider_message_id=f"ses-{len(self.sent)}", reference=message.reference)


@pytest.fixture
def sender(app):
    def install(**kwargs) -> Recording:
        recording = Recording(**kwargs)
        app.extensions["palm_mail_sender"] = recording
        return recording

    yield install
    app.extensions.pop("palm_mail_sender", None)


def _queue(language="en", **kwargs) -> int:
    with unit_of_work():
        row = outbox.queue_email(
            to="an@example.org", language=language, template=TEMPLATE, params=PARAMS, **kwargs
        )
    return row.id


def _row(email_id: int) -> OutgoingEmail:
    db.session.expire_all()
    return db.session.get(OutgoingEmail, email_id)


def test_sent_after_commit_in_the_recipients_language_as_text_and_html(ctx, mailbox):
    email_id = _queue(language="vi")
    (message,) = mailbox.to("an@example.org")
    assert message.subject == "Xác nhận địa chỉ e-mail của bạn"
    assert message.language == "vi"
    assert "12<b>34" in message.text and "Mở liên kết này" in message.text
    # Values are escaped in the HTML part, and the link is an anchor.
    assert "12&lt;b&gt;34" in message.html and "12<b>34" not in message.html
    assert '<a href="https://app.example/x?token=abc&amp;y=1">' in message.html
    row = _row(email_id)
    assert row.status == "sent"
    assert row.provider_message_id == message.message_id
    # Nothing secret, no address, once sent.
    assert row.params == {} and "an@example.org" not in row.to_address


def test_nothing_is_written_or_sent_when_the_cause_rolls_back(ctx, mailbox):
    with pytest.raises(RuntimeError), unit_of_work():
        outbox.queue_email(to="an@example.org", language="en", template=TEMPLATE)
        raise RuntimeError("the cause failed")
    assert db.session.scalars(select(OutgoingEmail)).all() == []
    assert mailbox.all() == []


def test_a_retryable_error_backs_off_then_sends_once(ctx, sender, app):
    recording = sender(failures=[MailUnavailable("throttled", provider_code="Throttling")])
    email_id = _queue()
    row = _row(email_id)
    assert (row.status, row.attempts, row.params["code"]) == ("pending", 1, "12<b>34")
    assert row.next_attempt_at > row.created_at + timedelta(seconds=20)
    assert recording.sent == []
    # Not due yet: a send now does nothing.
    assert outbox.send_email(email_id) == "skipped"
    row.next_attempt_at = row.created_at
    db.session.commit()
    assert outbox.sweep() == 1
    assert _row(email_id).status == "sent"
    assert _row(email_id).provider_message_id == "ses-1"
    # Sent: no later sweep or duplicate task sends it again.
    assert outbox.sweep() == 0
    assert outbox.send_email(email_id) == "skipped"
    assert len(recording.sent) == 1


def test_out_of_attempts_is_dead_and_a_refusal_fails_at_once(ctx, sender, app):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        sender(failures=[MailUnavailable("down"), MailUnavailable("down")])
        email_id = _queue()
        row = _row(email_id)
        row.next_attempt_at = row.created_at
        db.session.commit()
        outbox.send_email(email_id)
        assert (_row(email_id).status, _row(email_id).attempts) == ("dead", 2)
        assert _row(email_id).params == {}
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 8
    sender(failures=[MailRejected("bad address", provider_code="MessageRejected")])
    refused = _queue()
    assert _row(refused).status == "failed"
    assert "REJECTED" in _row(refused).last_error


def test_an_expired_lease_is_taken_over_and_the_late_worker_records_nothing(ctx, sender):
    recording = sender(failures=[MailUnavailable("x"), MailUnavailable("y")])
    email_id = _queue()
    row = _row(email_id)
    # A worker claimed it and died; its lease ran out.
    row.status, row.claimed_until = "sending", row.created_at - timedelta(seconds=1)
    db.session.commit()
    late_lease = row.claimed_until
    assert outbox.send_email(email_id) == "pending"  # re-claimed (and failed once more)
    assert outbox._record(email_id, late_lease, status="sent", provider_id="late") == "skipped"
    assert _row(email_id).provider_message_id is None
    assert recording.sent == []


def test_the_mailbox_keeps_one_file_per_message(ctx, mailbox):
    _queue()
    _queue()
    assert len(mailbox.to("an@example.org")) == 2  # two rows, two references


def test_two_workers_cannot_both_claim_a_message(ctx, sender):
    sender(failures=[MailUnavailable("x")])
    email_id = _queue()
    row = _row(email_id)
    row.next_attempt_at = row.created_at
    db.session.commit()
    assert outbox._claim(email_id) is not None
    assert outbox._claim(email_id) is None  # held under the first worker's lease
