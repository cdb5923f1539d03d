"""Topic subscriptions through the real firebase-admin SDK against the fake FCM server:
subscribe and unsubscribe, per-token errors, trips starting and ending, idempotence,
chunks of at most 1000 tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from services.alerts.topic_subscriptions import drain, reconcile, sync_account
from services.core.db import db
from services.models import Account, Device, TopicSubscription, Trip
from services.notifications.notifications import register_device
from tests.services.alerts.support import today

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")

FR_EN = "alerts-FR-en"


def _traveller(make, tokens: list[str], *, country="FR", start=0, end=5, locale="en") -> int:
    citizen = make.citizen()
    account = db.session.get(Account, citizen.id)
    for token in tokens:
        register_device(account, token=token, platform="ios", locale=locale, app_version=None)
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


def _rows() -> dict[str, tuple[str, int, str | None]]:
    return {
        row.token: (row.state, row.attempts, (row.last_error or "").split(":")[0] or None)
        for row in db.session.scalars(select(TopicSubscription))
    }


def test_per_token_errors_through_the_sdk(app, ctx, make, fcm, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_RETRY_BASE_SECONDS", 0)  # retries due at once
    for token in ("tok-ok-1", "tok-gone", "tok-foreign", "tok-busy", "tok-bad"):
        _traveller(make, [token])
    fcm.fail_token("tok-gone", "UNREGISTERED")
    fcm.fail_token("tok-foreign", "SENDER_ID_MISMATCH")
    fcm.fail_token("tok-busy", "QUOTA_EXCEEDED")
    fcm.fail_token("tok-bad", "INVALID_ARGUMENT")

    report = reconcile()

    assert fcm.subscribers(FR_EN) == {"tok-ok-1"}
    assert (report.subscribed, report.disabled, report.retrying, report.failed) == (1, 2, 1, 1)
    assert _rows() == {
        "tok-ok-1": ("subscribed", 0, None),
        "tok-busy": ("pending", 1, "QUOTA_EXCEEDED"),  # tried again later
        "tok-bad": ("failed", 0, "INVALID_ARGUMENT"),  # kept for operators, not retried
    }
    disabled = dict(db.session.execute(select(Device.token, Device.disabled_reason)).all())
    assert disabled["tok-gone"] == "UNREGISTERED"
    assert disabled["tok-foreign"] == "SENDER_ID_MISMATCH"
    assert disabled["tok-busy"] is None
    posts = [r for r in fcm.requests if r.method == "POST" and "topicSubscriptions" in r.path]
    assert {r.query["topic_name"] for r in posts} == {FR_EN}

    fcm.recover()
    reconcile()
    assert fcm.subscribers(FR_EN) == {"tok-ok-1", "tok-busy"}
    assert _rows()["tok-busy"] == ("subscribed", 0, None)


def test_trips_start_and_end_with_the_date(app, ctx, make, fcm):
    _traveller(make, ["tok-a", "tok-b"], start=2, end=4)
    day = today()

    reconcile(on=day + timedelta(days=1))
    assert fcm.subscribers(FR_EN) == set()
    reconcile(on=day + timedelta(days=2))  # the first day of the trip
    assert fcm.subscribers(FR_EN) == {"tok-a", "tok-b"}
    reconcile(on=day + timedelta(days=4))  # the last day: still there
    assert fcm.subscribers(FR_EN) == {"tok-a", "tok-b"}

    reconcile(on=day + timedelta(days=5))  # over: unsubscribed, rows forgotten
    assert fcm.subscribers(FR_EN) == set()
    assert _rows() == {}
    deletes = [r for r in fcm.requests if r.method == "DELETE"]
    assert {r.path.rsplit("/", 1)[-1] for r in deletes} == {FR_EN}
    assert all(r.query == {"allow_missing": "true"} for r in deletes)


def test_reconcile_is_idempotent(app, ctx, make, fcm):
    _traveller(make, ["tok-a"], locale="zh-CN")
    reconcile()
    assert fcm.subscribers("alerts-FR-zh-Hans") == {"tok-a"}
    calls = len(fcm.requests)
    again = reconcile()
    assert (again.to_subscribe, again.to_unsubscribe, again.subscribed) == (0, 0, 0)
    assert len(fcm.requests) == calls  # nothing asked of FCM twice


def test_unsubscribe_errors(app, ctx, make, fcm, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_RETRY_BASE_SECONDS", 0)
    account_id = _traveller(make, ["tok-a", "tok-b"])
    reconcile()
    db.session.execute(db.delete(Trip).where(Trip.account_id == account_id))
    db.session.commit()
    fcm.fail_token("tok-a", "UNAVAILABLE")  # the SDK retries, then we back off
    fcm.fail_token("tok-b", "UNREGISTERED")  # the app is gone: nothing left to unsubscribe

    report = sync_account(account_id)

    assert (report.to_unsubscribe, report.retrying, report.disabled) == (2, 1, 1)
    assert _rows() == {"tok-a": ("unsubscribing", 1, "UNAVAILABLE")}
    fcm.recover()
    drain()
    assert _rows() == {}
    # (FCM itself forgets the uninstalled app's token; the fake keeps what it was told.)
    assert "tok-a" not in fcm.subscribers(FR_EN)


def test_a_token_moving_to_another_account_follows_that_account(app, ctx, make, fcm):
    owner = db.session.get(Account, _traveller(make, ["tok-shared"]))
    installation = "installation-of-the-phone-0001"
    # The owner's app registers with its installation id; the phone then logs in as another
    # account (the same installation: the one way a token moves between accounts).
    register_device(
        owner,
        token="tok-shared",
        platform="ios",
        locale="en",
        app_version=None,
        installation_id=installation,
    )
    reconcile()
    assert fcm.subscribers(FR_EN) == {"tok-shared"}
    other = db.session.get(Account, make.citizen().id)
    register_device(
        other,
        token="tok-shared",
        platform="ios",
        locale="en",
        app_version=None,
        installation_id=installation,
    )
    assert fcm.subscribers(FR_EN) == set()  # re-synced after that commit


def test_subscribe_calls_carry_at_most_1000_tokens(app, ctx, make, log_push, monkeypatch):
    account_id = _traveller(make, [])
    db.session.execute(
        insert(Device),
        [
            {"account_id": account_id, "token": f"bulk-{i:05d}", "platform": "android"}
            for i in range(2300)
        ],
    )
    db.session.commit()
    calls: list[int] = []
    real = log_push.subscribe

    def spy(*, tokens, topic):
        calls.append(len(tokens))
        return real(tokens=tokens, topic=topic)

    monkeypatch.setattr(log_push, "subscribe", spy)
    report = reconcile()
    assert report.subscribed == 2300
    assert max(calls) <= 1000 and sum(calls) == 2300
    assert len(log_push.subscribers(FR_EN)) == 2300


def test_rows_of_dead_tokens_are_dropped_without_asking_fcm(app, ctx, make, fcm):
    from sqlalchemy import update

    from services.models.types import utcnow

    _traveller(make, ["tok-dead", "tok-alive"])
    reconcile()
    # The push outbox found the token dead and disabled the device.
    db.session.execute(
        update(Device).where(Device.token == "tok-dead").values(disabled_at=utcnow())
    )
    db.session.commit()
    calls = len(fcm.requests)
    reconcile()
    assert set(_rows()) == {"tok-alive"}
    assert len(fcm.requests) == calls
