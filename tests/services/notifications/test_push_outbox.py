"""The outbox through the real firebase-admin SDK to a fake FCM on 127.0.0.1:
an outage loses nothing and sends each delivery exactly once per device after recovery;
workers claiming side by side never take the same row (PostgreSQL, SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from services.core.db import db, unit_of_work
from services.models import Account, Delivery
from services.notifications.notifications import notify, register_device
from services.notifications.push_delivery import claim_due, drain
from tests.push.support import fcm_sender, no_backoff

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


@pytest.fixture
def fcm(app, monkeypatch):
    """Swap the app's push sender for the FCM adapter pointed at a fake FCM server."""
    no_backoff(monkeypatch)
    with fcm_sender() as (server, sender):
        previous = app.extensions.get("palm_push_sender")
        app.extensions["palm_push_sender"] = sender
        app.config["PUSH_RETRY_BASE_SECONDS"] = 0  # retries are due at once in this test
        try:
            yield server
        finally:
            app.config["PUSH_RETRY_BASE_SECONDS"] = 30
            if previous is None:
                app.extensions.pop("palm_push_sender", None)
            else:
                app.extensions["palm_push_sender"] = previous


def _devices(app, make, accounts: int, per_account: int) -> list[int]:
    ids = []
    with app.app_context():
        for a in range(accounts):
            citizen = make.citizen()
            account = db.session.get(Account, citizen.id)
            for d in range(per_account):
                register_device(
                    account,
                    token=f"tok-{a}-{d}-" + "q" * 30,
                    platform="android",
                    locale="en",
                    app_version=None,
                )
            ids.append(citizen.id)
    return ids


def test_outage_then_recovery_sends_every_delivery_exactly_once(app, make, fcm):
    accounts = _devices(app, make, accounts=4, per_account=2)
    fcm.fail_all("UNAVAILABLE")
    with app.app_context():
        for account_id in accounts:
            for _ in range(3):  # notifications keep being created during the outage
                with unit_of_work():
                    notify(account_id, "status_change", "test_message")
        statuses = Counter(db.session.scalars(select(Delivery.status)))
        assert statuses == {"pending": 24}
        assert all(d.attempts == 1 for d in db.session.scalars(select(Delivery)))
        assert fcm.sent_messages() == []

        fcm.recover()
        report = drain()
        assert report.sent == 24
        assert Counter(db.session.scalars(select(Delivery.status))) == {"sent": 24}

    delivered = Counter((m["data"]["notification_id"], m["token"]) for m in fcm.sent_messages())
    assert len(delivered) == 24
    assert set(delivered.values()) == {1}


def test_dead_tokens_are_disabled_and_auth_errors_keep_the_token(app, make, fcm):
    (account_id,) = _devices(app, make, accounts=1, per_account=3)
    fcm.fail_token("tok-0-0-" + "q" * 30, "UNREGISTERED")
    fcm.fail_token("tok-0-1-" + "q" * 30, "SENDER_ID_MISMATCH")
    fcm.fail_token("tok-0-2-" + "q" * 30, "THIRD_PARTY_AUTH_ERROR")
    with app.app_context():
        with unit_of_work():
            notify(account_id, "status_change", "test_message")
        rows = {
            d.device.token[:7]: (d.status, d.device.disabled_reason, d.last_error.split(":")[0])
            for d in db.session.scalars(select(Delivery))
        }
    assert rows == {
        "tok-0-0": ("failed", "UNREGISTERED", "UNREGISTERED"),
        "tok-0-1": ("failed", "SENDER_ID_MISMATCH", "SENDER_ID_MISMATCH"),
        "tok-0-2": ("pending", None, "THIRD_PARTY_AUTH_ERROR"),  # kept, retried later
    }


def test_invalid_argument_goes_straight_to_the_dead_letter_queue(app, make, fcm):
    (account_id,) = _devices(app, make, accounts=1, per_account=1)
    fcm.fail_token("tok-0-0-" + "q" * 30, "INVALID_ARGUMENT")
    with app.app_context():
        with unit_of_work():
            notify(account_id, "status_change", "test_message")
        delivery = db.session.scalar(select(Delivery))
        assert (delivery.status, delivery.device.disabled_at) == ("dead", None)


def _one_claimed_delivery(app, make, monkeypatch) -> list[int]:
    """One queued delivery, claimed by "worker A" (no eager send: the test drives it)."""
    monkeypatch.setattr("services.notifications.notifications._schedule_push", lambda _id: None)
    (account_id,) = _devices(app, make, accounts=1, per_account=1)
    with app.app_context():
        with unit_of_work():
            notify(account_id, "status_change", "test_message")
        ids = claim_due()
    assert len(ids) == 1
    return ids


def test_a_worker_past_its_lease_does_not_overwrite_the_row_taken_over(app, make, fcm, monkeypatch):
    # Worker A claims the delivery and stalls past its lease; worker B sends it and records
    # it. A's late results must not overwrite B's record (nor wipe its message id).
    from services.notifications.push_delivery import send_claimed

    ids = _one_claimed_delivery(app, make, monkeypatch)
    with app.app_context():
        delivery = db.session.get(Delivery, ids[0])
        delivery.status, delivery.message_id = "sent", "recorded-by-worker-b"
        db.session.commit()

        fcm.fail_all("UNAVAILABLE")  # A's send fails: it would make the row pending again
        report = send_claimed(ids)
        assert report.retrying == 0  # A records (and counts) nothing
        db.session.expire_all()
        row = db.session.get(Delivery, ids[0])
        assert (row.status, row.message_id) == ("sent", "recorded-by-worker-b")


def test_a_worker_past_its_lease_does_not_write_before_the_worker_that_took_over(
    app, make, fcm, monkeypatch
):
    # Worker A's lease runs out while its send is in flight and worker B claims the row.
    # A's (failed) send returns first: were A to record it, the row would leave ``sending``
    # and B's success would then be dropped, so the row would be sent once more. Only the
    # holder of the current lease records.
    from datetime import timedelta

    from sqlalchemy import update

    from services.models.types import utcnow
    from services.notifications.push_delivery import send_claimed

    a_ids = _one_claimed_delivery(app, make, monkeypatch)
    with app.app_context():
        sender = app.extensions["palm_push_sender"]
        send_each = sender.send_each
        taken_over: list[int] = []

        def a_stalls_past_its_lease(messages):
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(a_ids))
                .values(claimed_until=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
            taken_over.extend(claim_due())  # worker B
            fcm.fail_all("UNAVAILABLE")
            try:
                return send_each(messages=messages)
            finally:
                fcm.recover()

        sender.send_each = a_stalls_past_its_lease
        try:
            assert send_claimed(a_ids).retrying == 0  # A records (and counts) nothing
        finally:
            sender.send_each = send_each
        assert taken_over == a_ids
        db.session.expire_all()
        assert db.session.get(Delivery, a_ids[0]).status == "sending"  # A wrote nothing

        assert send_claimed(taken_over).sent == 1  # worker B
        db.session.expire_all()
        row = db.session.get(Delivery, a_ids[0])
        assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)
        assert row.message_id


@pytest.mark.postgres
def test_concurrent_workers_never_claim_the_same_delivery(app, make, monkeypatch):
    monkeypatch.setattr("services.notifications.notifications._schedule_push", lambda _id: None)
    accounts = _devices(app, make, accounts=10, per_account=3)
    with app.app_context():
        for account_id in accounts:
            for _ in range(5):
                with unit_of_work():
                    notify(account_id, "status_change", "test_message")
    claimed: list[list[int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def worker():
        with app.app_context():
            barrier.wait()
            while ids := claim_due(limit=7):
                with lock:
                    claimed.append(ids)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    flat = [i for batch in claimed for i in batch]
    assert len(flat) == 150
    assert len(set(flat)) == 150  # nobody claimed a row twice
    assert len(claimed) >= 6  # the work was really shared out in batches


@pytest.mark.postgres
def test_a_batch_is_claimed_and_recorded_in_one_statement_each_on_postgresql(
    app, make, fcm, monkeypatch
):
    """Claiming is one statement, and a batch's outcomes (sent, retrying, failed together)
    one more; no statement spells the batch's ids out one placeholder each, and each row
    gets its own outcome."""
    from sqlalchemy import event

    monkeypatch.setattr("services.notifications.notifications._schedule_push", lambda _id: None)
    (account_id,) = _devices(app, make, accounts=1, per_account=30)
    fcm.fail_token("tok-0-0-" + "q" * 30, "UNREGISTERED")
    fcm.fail_token("tok-0-1-" + "q" * 30, "QUOTA_EXCEEDED")
    statements: list[tuple[str, bool]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, executemany))

    with app.app_context():
        with unit_of_work():
            notify(account_id, "status_change", "test_message")
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            report = drain()
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        rows = {d.device.token[:8]: d for d in db.session.scalars(select(Delivery))}

        assert (report.claimed, report.sent, report.retrying, report.failed) == (30, 28, 1, 1)
        writes = [s for s, _many in statements if "UPDATE delivery" in s]
        assert len(writes) == 2  # the claim, the outcomes
        assert not any(many for _s, many in statements)
        assert max(s.count("%(") for s, _many in statements) <= 10
        failed, retrying = rows.pop("tok-0-0-"), rows.pop("tok-0-1-")
        assert (failed.status, failed.sent_at, failed.message_id) == ("failed", None, None)
        assert failed.last_error.startswith("UNREGISTERED") and failed.attempts == 1
        assert (retrying.status, retrying.sent_at, retrying.claimed_until) == (
            "pending",
            None,
            None,
        )
        assert retrying.last_error.startswith("QUOTA_EXCEEDED")
        assert len({d.message_id for d in rows.values()}) == 28
        assert all(
            (d.status, d.attempts, d.claimed_until, d.last_error) == ("sent", 1, None, None)
            and d.sent_at is not None
            for d in rows.values()
        )
