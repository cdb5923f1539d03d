"""notify(): inbox first, push as its delivery, in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from services.core.db import db, unit_of_work
from services.models import Delivery, Device, Notification, NotificationSettings
from services.notifications.notifications import notify, quiet_hours_end, register_device

TOKEN = "fcm-token-" + "a" * 40


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _sender(app):
    from services.core.integrations import push_sender

    with app.app_context():
        sender = push_sender()
        sender.clear()
        return sender


def test_notify_writes_inbox_and_push_in_the_account_language(app, make):
    citizen = make.citizen(language="zh-Hant")
    sender = _sender(app)
    with app.app_context():
        account = db.session.get(type(citizen), citizen.id)
        register_device(account, token=TOKEN, platform="android", locale="zh-TW", app_version="1.0")
        with unit_of_work():
            notification = notify(citizen.id, "status_change", "test_message", data={"id": 7})
        assert notification.title == "測試通知"
        delivery = db.session.scalar(select(Delivery))
        assert delivery.status == "sent" and delivery.attempts == 1
    assert len(sender.sent) == 1
    pushed = sender.sent[0].message
    assert pushed.data["notification_id"] == str(notification.id)
    assert pushed.data["id"] == "7" and pushed.data["kind"] == "status_change"
    assert notification.data == {"id": 7}  # the inbox keeps the number a number


def test_a_rolled_back_change_leaves_no_notification_and_sends_nothing(app, make):
    citizen = make.citizen()
    sender = _sender(app)
    with app.app_context():
        register_device(
            db.session.get(type(citizen), citizen.id),
            token=TOKEN,
            platform="ios",
            locale="en",
            app_version=None,
        )
        with pytest.raises(RuntimeError), unit_of_work():
            notify(citizen.id, "status_change", "test_message")
            raise RuntimeError("the change that caused it failed")
        assert _count(Notification) == 0
        assert _count(Delivery) == 0
    assert sender.sent == []


def test_muted_kind_keeps_the_inbox_item_but_does_not_push(app, make):
    citizen = make.citizen()
    sender = _sender(app)
    with app.app_context():
        register_device(
            db.session.get(type(citizen), citizen.id),
            token=TOKEN,
            platform="ios",
            locale="en",
            app_version=None,
        )
        db.session.add(
            NotificationSettings(account_id=citizen.id, muted_kinds=["reminder", "alert"])
        )
        db.session.commit()
        with unit_of_work():
            notify(citizen.id, "reminder", "test_message")
        assert _count(Notification) == 1 and _count(Delivery) == 0
        # An emergency alert cannot be muted.
        with unit_of_work():
            notify(citizen.id, "alert", "test_message", emergency=True)
        assert _count(Delivery) == 1
    assert len(sender.sent) == 1 and sender.sent[0].message.high_priority


def test_quiet_hours_defer_the_push_but_not_an_emergency(app, make, monkeypatch):
    citizen = make.citizen(time_zone="Europe/Paris")
    sender = _sender(app)
    # 23:30 in Paris (CET, UTC+1) on a winter night
    monkeypatch.setattr(
        "services.notifications.notifications.utcnow",
        lambda: datetime(2026, 1, 15, 22, 30, tzinfo=UTC),
    )
    with app.app_context():
        register_device(
            db.session.get(type(citizen), citizen.id),
            token=TOKEN,
            platform="ios",
            locale="en",
            app_version=None,
        )
        db.session.add(
            NotificationSettings(
                account_id=citizen.id, muted_kinds=[], quiet_start=time(22), quiet_end=time(7)
            )
        )
        db.session.commit()
        with unit_of_work():
            notify(citizen.id, "status_change", "test_message")
        deferred = db.session.scalar(select(Delivery))
        assert deferred.status == "pending"
        assert deferred.next_attempt_at == datetime(2026, 1, 16, 6, 0, tzinfo=UTC)  # 07:00 CET
        with unit_of_work():
            notify(citizen.id, "alert", "test_message", emergency=True)
    assert len(sender.sent) == 1 and sender.sent[0].message.high_priority


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # inside, before midnight; spring-forward night in Paris: 07:00 is CEST (UTC+2)
        (
            datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
            "Europe/Paris",
            datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        ),
        # inside, after midnight
        (
            datetime(2026, 1, 16, 3, 0, tzinfo=UTC),
            "Europe/Paris",
            datetime(2026, 1, 16, 6, 0, tzinfo=UTC),
        ),
        # outside: midday
        (datetime(2026, 1, 16, 11, 0, tzinfo=UTC), "Europe/Paris", None),
        # Sydney on the night daylight saving ends (5 April 2026): 07:00 is AEST (UTC+10)
        (
            datetime(2026, 4, 4, 12, 30, tzinfo=UTC),
            "Australia/Sydney",
            datetime(2026, 4, 4, 21, 0, tzinfo=UTC),
        ),
    ],
)
def test_quiet_hours_end_in_local_time_across_dst(now, zone, expected):
    settings = NotificationSettings(quiet_start=time(22), quiet_end=time(7))
    assert quiet_hours_end(settings, zone, now) == expected


def test_unregistered_token_disables_the_device(app, make):
    citizen = make.citizen()
    _sender(app)
    with app.app_context():
        account = db.session.get(type(citizen), citizen.id)
        register_device(
            account, token="invalid-" + "b" * 30, platform="android", locale="en", app_version=None
        )
        register_device(account, token=TOKEN, platform="ios", locale="en", app_version=None)
        with unit_of_work():
            notify(citizen.id, "status_change", "test_message")
        statuses = dict(
            db.session.execute(select(Device.token, Delivery.status).join(Delivery)).all()
        )
        assert statuses == {"invalid-" + "b" * 30: "failed", TOKEN: "sent"}
        dead = db.session.scalar(select(Device).where(Device.token.like("invalid-%")))
        assert dead.disabled_at is not None and dead.disabled_reason == "UNREGISTERED"
        # The next notification is not "sent to" the dead token at all.
        with unit_of_work():
            notify(citizen.id, "status_change", "test_message")
        assert _count(Delivery) == 3


def test_notify_many_keeps_the_numbers_numbers_as_notify_does(app, make):
    """Found in review: the bulk path (lottery results) spelled data values as strings."""
    from services.notifications.notifications import notify_many

    first, second = make.citizen(), make.citizen(language="vi")
    with app.app_context(), unit_of_work():
        items = [(c.id, {}, {"release_request_id": 12, "won": True}) for c in (first, second)]
        assert notify_many(items, "status_change", "test_message") == 2
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [row.data for row in rows] == [{"release_request_id": 12, "won": True}] * 2
        assert rows[1].title == "Thông báo thử"


def test_a_long_title_is_cut_to_the_column_not_refused(app, make):
    """A title longer than the inbox column (a long value in a translation) is cut in
    ``render``, the one place every notification's title comes from, so the insert never
    fails on PostgreSQL."""
    from services.core.db import db
    from services.models import Notification
    from services.notifications.notifications import notify
    from services.notifications.templates import TITLE_MAX

    citizen = make.citizen()
    with app.app_context():
        item = notify(
            citizen.id,
            "status_change",
            "application_approved",
            {"number": "N" * 500, "note": ""},
            data={"application_id": 1},
        )
        db.session.commit()
        stored = db.session.get(Notification, item.id)
        assert len(stored.title) == TITLE_MAX
        assert stored.title.startswith("Application NNN")
