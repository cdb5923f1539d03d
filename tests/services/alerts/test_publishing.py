"""Publishing: one topic push per country and language with English fallback, the 2 KB
topic payload, high priority for emergencies, retries through the real SDK against the
fake FCM, stale versions skipped, and the batched, resumable inbox fan-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from push.base import TOPIC_PAYLOAD_LIMIT, TopicMessage
from services.alerts import publishing as alert_publishing
from services.alerts.publishing import ELLIPSIS, fit_topic_payload, payload_size
from services.core.db import db
from services.models import (
    Account,
    AlertDispatch,
    AlertVersion,
    CountryFollow,
    Delivery,
    Notification,
    Trip,
)
from services.notifications.notifications import register_device
from tests.services.alerts.support import STAFF, approve, ok, publish, submit, today

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")

DATA = {"kind": "alert", "alert_id": "12", "version": "3", "level": "warning"}


def test_each_language_topic_gets_its_text_or_english(client, staff, log_push):
    publish(client, staff.admin, staff.admin2, countries=["FR", "BE"])
    by_topic = {e.message.topic: e.message for e in log_push.sent}
    assert sorted(by_topic) == sorted(
        f"alerts-{c}-{lang}" for c in ("BE", "FR") for lang in ("en", "vi", "zh-Hans", "zh-Hant")
    )
    assert by_topic["alerts-FR-vi"].title == "Đình công giao thông"
    assert by_topic["alerts-FR-zh-Hans"].title == "Transport strike"  # English fallback
    assert by_topic["alerts-BE-zh-Hant"].body == "Expect no trains on Thursday."
    message = by_topic["alerts-BE-en"]
    assert message.data["kind"] == "alert" and message.data["country"] == "BE"
    assert message.high_priority is False


def test_long_texts_are_cut_to_the_topic_limit_but_kept_whole_elsewhere(
    app, client, make, staff, log_push
):
    body = "封锁区域请勿靠近。" * 440  # 3960 characters, ~12 KB of UTF-8
    traveller = make.citizen(language="zh-Hans")
    with app.app_context():
        db.session.add(CountryFollow(account_id=traveller.id, country="FR"))
        db.session.commit()
    alert = publish(
        client,
        staff.author,
        staff.approver,
        title={"en": "Closure", "zh-Hans": "封锁"},
        body={"en": "Closed.", "zh-Hans": body},
    )
    sent = {e.message.topic: e.message for e in log_push.sent}["alerts-FR-zh-Hans"]
    assert sent.body.endswith(ELLIPSIS) and body.startswith(sent.body[:-1])
    assert payload_size(sent.title, sent.body, sent.data) <= TOPIC_PAYLOAD_LIMIT
    assert {d["topic"]: d["truncated"] for d in alert["dispatches"]}["alerts-FR-zh-Hans"]
    public = ok(client.get(f"/api/v1/alerts/{alert['id']}", headers={"Accept-Language": "zh-CN"}))
    assert public["body"] == body
    with app.app_context():
        assert db.session.scalar(select(Notification.body)) == body


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=200),
    body=st.text(min_size=1, max_size=4000),
)
def test_fit_topic_payload_always_fits_and_keeps_a_prefix(title, body):
    new_title, new_body, cut = fit_topic_payload(title, body, DATA)
    assert payload_size(new_title, new_body, DATA) <= TOPIC_PAYLOAD_LIMIT
    TopicMessage(topic="alerts-FR-en", title=new_title, body=new_body, data=DATA)  # FCM's check
    if not cut:
        assert (new_title, new_body) == (title, body)
    else:
        assert new_body.endswith(ELLIPSIS)
        assert body.startswith(new_body[: -len(ELLIPSIS)])


def test_escaped_characters_count(app):
    body = '"\n\\' * 1000  # each character takes two bytes in JSON
    _title, fitted, cut = fit_topic_payload("t", body, DATA)
    assert cut and payload_size("t", fitted, DATA) <= TOPIC_PAYLOAD_LIMIT
    assert payload_size("t", fitted + '"', DATA) > TOPIC_PAYLOAD_LIMIT - 4


def test_emergency_goes_high_priority_through_the_sdk(client, staff, fcm):
    publish(client, staff.author, staff.approver, level="emergency")
    messages = fcm.sent_messages()
    assert sorted(m["topic"] for m in messages) == [
        "alerts-FR-en",
        "alerts-FR-vi",
        "alerts-FR-zh-Hans",
        "alerts-FR-zh-Hant",
    ]
    for message in messages:
        assert message["android"]["priority"] == "high"
        assert message["apns"]["headers"]["apns-priority"] == "10"
        assert message["data"]["level"] == "emergency"


def test_an_outage_delays_the_push_and_the_sweep_sends_it(app, client, staff, fcm, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_RETRY_BASE_SECONDS", 0)
    fcm.fail_all("UNAVAILABLE")
    alert = publish(client, staff.author, staff.approver)
    assert {(d["status"], d["attempts"]) for d in alert["dispatches"]} == {("pending", 1)}
    assert fcm.sent_messages() == []
    fcm.recover()
    with app.app_context():
        report = alert_publishing.dispatch()
    assert report.sent == 4
    assert len(fcm.sent_messages()) == 4
    detail = ok(client.get(f"{STAFF}/{alert['id']}", headers=staff.author))
    assert {d["status"] for d in detail["dispatches"]} == {"sent"}


def test_a_replaced_or_withdrawn_version_is_not_pushed(app, client, staff, log_push, monkeypatch):
    # The broker is down at approval: the dispatches wait for the sweep.
    monkeypatch.setattr("services.alerts.publishing.schedule_publication", lambda _id: None)
    alert = publish(client, staff.author, staff.approver)
    url = f"{STAFF}/{alert['id']}"
    ok(
        client.post(
            f"{url}/versions", json={"kind": "update", "reason": "facts"}, headers=staff.author
        ),
        201,
    )
    submit(client, staff.author, alert["id"])
    approve(client, staff.approver, alert["id"], 2)
    with app.app_context():
        report = alert_publishing.dispatch()
        versions = dict(
            db.session.execute(
                select(AlertDispatch.status, AlertVersion.number)
                .join(AlertVersion, AlertVersion.id == AlertDispatch.version_id)
                .distinct()
            ).all()
        )
    assert (report.sent, report.skipped) == (4, 4)
    assert versions == {"skipped": 1, "sent": 2}
    assert {e.message.data["version"] for e in log_push.sent} == {"2"}


def test_a_worker_past_its_lease_leaves_the_record_to_the_worker_that_took_over(
    app, client, staff, fcm, monkeypatch
):
    # Worker A's lease runs out during its (failing) calls and worker B claims the rows.
    # Were A to record its failures first, the rows would leave ``sending``, B's record
    # would be dropped, and every subscriber would get the alert a second time later.
    monkeypatch.setattr("services.alerts.publishing.schedule_publication", lambda _id: None)
    publish(client, staff.author, staff.approver)
    with app.app_context():
        a_ids = alert_publishing.claim_dispatches()
        assert len(a_ids) == 4
        sender = app.extensions["palm_push_sender"]
        send_to_topic = sender.send_to_topic
        taken_over: list[int] = []

        def a_stalls_past_its_lease(message):
            if not taken_over:
                db.session.execute(
                    update(AlertDispatch)
                    .where(AlertDispatch.id.in_(a_ids))
                    .values(claimed_until=alert_publishing.utcnow() - timedelta(seconds=1))
                )
                db.session.commit()
                taken_over.extend(alert_publishing.claim_dispatches())  # worker B
                fcm.fail_all("UNAVAILABLE")
            return send_to_topic(message=message)

        sender.send_to_topic = a_stalls_past_its_lease
        try:
            a_report = alert_publishing.send_dispatches(a_ids)
        finally:
            del sender.send_to_topic  # the class's method again
            fcm.recover()
        assert sorted(taken_over) == sorted(a_ids)
        assert a_report.retrying == 0  # A recorded nothing
        statuses = db.session.scalars(select(AlertDispatch.status)).all()
        assert statuses == ["sending"] * 4

        b_report = alert_publishing.send_dispatches(taken_over)
        rows = db.session.execute(select(AlertDispatch.status, AlertDispatch.attempts)).all()
    assert b_report.sent == 4
    assert sorted(rows) == [("sent", 1)] * 4
    assert len(fcm.sent_messages()) == 4


def _registered(make, country, *, follow=False, start=0, end=3, language="en") -> int:
    citizen = make.citizen(language=language)
    if follow:
        db.session.add(CountryFollow(account_id=citizen.id, country=country))
    else:
        db.session.add(
            Trip(
                account_id=citizen.id,
                country=country,
                start_date=today() + timedelta(days=start),
                end_date=today() + timedelta(days=end),
            )
        )
    db.session.commit()
    return citizen.id


def test_inbox_fan_out_reaches_registered_travellers_in_batches(
    app, client, make, staff, monkeypatch
):
    with app.app_context():
        on_trip = _registered(make, "FR", language="vi")
        following = _registered(make, "FR", follow=True, language="zh-Hant")
        both = _registered(make, "FR")
        db.session.add(CountryFollow(account_id=both, country="FR"))
        db.session.commit()
        _registered(make, "FR", start=2, end=5)  # not there yet
        _registered(make, "FR", start=-9, end=-1)  # already left
        _registered(make, "DE")  # elsewhere
        register_device(
            db.session.get(Account, on_trip),
            token="fan-out-device-" + "d" * 30,
            platform="ios",
            locale="vi",
            app_version=None,
        )
    monkeypatch.setattr(alert_publishing, "FAN_OUT_BATCH", 2)
    monkeypatch.setattr("services.alerts.publishing.schedule_publication", lambda _id: None)
    alert = publish(client, staff.author, staff.approver, level="emergency")
    with app.app_context():
        version_id = db.session.scalar(select(AlertVersion.id))
        assert alert_publishing.fan_out_inbox(version_id, batch=2) == 3
        items = {
            n.account_id: (n.language, n.title, n.emergency, n.data)
            for n in db.session.scalars(select(Notification))
        }
        assert db.session.scalar(select(Delivery)) is None  # the topic already pushed
        assert db.session.get(AlertVersion, version_id).inbox_done_at is not None
        assert alert_publishing.fan_out_inbox(version_id, batch=2) == 0  # done: no duplicates
    assert set(items) == {on_trip, following, both}
    assert items[on_trip][:3] == ("vi", "Đình công giao thông", True)
    assert items[following][1] == "Transport strike"  # no Traditional Chinese text: English
    assert items[both][3] == {
        "alert_id": alert["id"],
        "version": 1,
        "level": "emergency",
    }


def test_a_fan_out_resumes_where_it_stopped(app, client, make, staff, monkeypatch):
    with app.app_context():
        travellers = [_registered(make, "FR") for _ in range(5)]
    monkeypatch.setattr("services.alerts.publishing.schedule_publication", lambda _id: None)
    publish(client, staff.author, staff.approver)
    with app.app_context():
        version_id = db.session.scalar(select(AlertVersion.id))
        added, done = alert_publishing._fan_out_batch(version_id, 2)  # then the worker dies
        assert (added, done) == (2, False)
        assert alert_publishing.unfinished_fan_outs() == [version_id]
        assert alert_publishing.fan_out_inbox(version_id, batch=2) == 3
        recipients = sorted(db.session.scalars(select(Notification.account_id)))
        assert alert_publishing.unfinished_fan_outs() == []
    assert recipients == sorted(travellers)


def test_the_sweep_expires_retries_and_resumes(app, client, make, staff, monkeypatch):
    from services.alerts.tasks import sweep_alerts

    with app.app_context():
        _registered(make, "FR")
    monkeypatch.setattr("services.alerts.publishing.schedule_publication", lambda _id: None)
    publish(client, staff.author, staff.approver)
    with app.app_context():
        result = sweep_alerts.apply().get()
        assert (result["sent"], result["inbox_items"], result["expired"]) == (4, 1, 0)
        db.session.execute(update(AlertVersion).values(inbox_done_at=None))
        db.session.commit()
    assert sweep_alerts.apply().get()["inbox_items"] == 0  # the cursor remembers
