"""Races on PostgreSQL: two officers approving at once publish once; a double tap on a
check-in answer keeps one answer; concurrent syncs of one account record each pair once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from services.core.db import db
from services.models import AlertDispatch, AlertResponse, TopicSubscription
from tests.services.alerts.support import (
    STAFF,
    add_trip,
    draft,
    ok,
    publish,
    register_device,
    submit,
)

pytestmark = pytest.mark.postgres


def _together(calls) -> list:
    """Run ``calls`` in threads released at the same moment; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_approvals_at_once_publish_once(app, client, staff, log_push):
    alert = draft(client, staff.author)
    submit(client, staff.author, alert["id"])
    url = f"{STAFF}/{alert['id']}/approve"
    statuses = _together(
        [
            lambda h=h: app.test_client().post(url, json={"version": 1}, headers=h).status_code
            for h in (staff.approver, staff.third, staff.admin)
        ]
    )
    assert sorted(statuses) == [200, 409, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AlertDispatch)) == 4
    assert len(log_push.sent) == 4


def test_a_double_tap_keeps_one_answer(app, client, make, staff):
    alert = publish(client, staff.author, staff.approver, level="emergency")["id"]
    traveller = make.auth(make.citizen())
    add_trip(client, traveller, "FR")
    url = f"/api/v1/alerts/{alert}/responses"
    answers = _together(
        [
            lambda s=s: app.test_client().post(url, json={"status": s}, headers=traveller)
            for s in ("safe", "need_help", "safe", "need_help")
        ]
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_json()["id"] for a in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AlertResponse)) == 1


def test_concurrent_syncs_record_each_subscription_once(app, client, make, log_push):
    from services.alerts.topic_subscriptions import sync_account

    citizen = make.citizen()
    headers = make.auth(citizen)
    for n in range(3):
        register_device(client, headers, f"race-token-{n}-" + "r" * 30)
    add_trip(client, headers, "FR")
    ok(client.post("/api/v1/follows", json={"country": "JP"}, headers=headers), 201)
    with app.app_context():
        db.session.execute(db.delete(TopicSubscription))
        db.session.commit()
    log_push.clear()

    def sync():
        with app.app_context():
            return sync_account(citizen.id)

    _together([sync for _ in range(4)])
    with app.app_context():
        rows = Counter(db.session.scalars(select(TopicSubscription.state)))
    assert rows == {"subscribed": 6}
    assert len(log_push.subscribers("alerts-FR-en")) == 3
    assert len(log_push.subscribers("alerts-JP-en")) == 3
