"""Reminders: the day before in the post's local time, once per appointment and slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.services.appointments.appointment_support import book


def reminders(app, account_id: int) -> list:
    from services.core.db import db
    from services.models import Notification

    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.account_id == account_id, Notification.kind == "reminder"
                )
            )
        )


def run(app) -> int:
    from services.appointments.reminders import send_due_reminders

    with app.app_context():
        return send_due_reminders()


@pytest.fixture
def booked(client, desk):
    response = book(client, desk)
    assert response.status_code == 201
    return response.get_json()


def test_sent_once_from_nine_the_day_before(app, client, desk, booked, frozen):
    # The slot is 10:00 Paris on Wednesday 13 January: due from Tuesday 09:00 Paris (08:00Z).
    frozen.now = datetime(2027, 1, 12, 7, 59, tzinfo=UTC)
    assert run(app) == 0
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    assert run(app) == 0
    frozen.advance(hours=3)
    assert run(app) == 0
    (note,) = reminders(app, desk.citizen.id)
    assert note.template == "appointment_reminder"
    assert booked["code"] in note.body
    assert "Wed, Jan 13, 2027 10:00 (UTC+01:00)" in note.body  # Babel's words for English
    assert note.data["appointment_id"] == booked["id"]


def test_reminder_is_in_the_holders_language(app, client, make, desk, frozen):
    holder = make.citizen(language="zh-Hans")
    applicant = make.applicant(holder)
    book(client, desk, headers=make.auth(holder), applicant_id=applicant.id)
    frozen.now = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert run(app) == 1
    (note,) = reminders(app, holder.id)
    assert note.title == "明天有预约"


def test_cancelled_appointments_get_none(app, client, desk, booked, frozen):
    client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=desk.headers)
    frozen.now = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert run(app) == 0


def test_rescheduling_earns_a_reminder_for_the_new_day(app, client, make, desk, booked, frozen):
    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=3))
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    moved = client.post(
        f"/api/v1/appointments/{booked['id']}/reschedule",
        json={"slot_id": later.id},
        headers=desk.headers,
    )
    assert moved.status_code == 200
    assert run(app) == 0  # the new day is not tomorrow yet
    frozen.now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    assert len(reminders(app, desk.citizen.id)) == 2


def test_day_before_is_the_posts_day(app, client, make, frozen):
    post = make.post(time_zone="Australia/Sydney", country="AU")
    service = make.service_type()
    make.fee(post.code, service.code, "10")
    # Thursday 14 January 09:00 in Sydney (UTC+11) is Wednesday 22:00Z.
    slot = make.slot(post.code, service.code, datetime(2027, 1, 13, 22, 0, tzinfo=UTC))
    holder = make.citizen()
    applicant = make.applicant(holder)
    response = client.post(
        "/api/v1/appointments",
        json={"applicant_id": applicant.id, "post": post.code, "service": service.code,
              "slot_id": slot.id},
        headers=make.auth(holder),
    )  # fmt: skip
    assert response.status_code == 201
    # Due from Wednesday 09:00 Sydney, which is Tuesday 22:00Z.
    frozen.now = datetime(2027, 1, 12, 21, 59, tzinfo=UTC)
    assert run(app) == 0
    frozen.now = datetime(2027, 1, 12, 22, 0, tzinfo=UTC)
    assert run(app) == 1


def test_a_claimed_reminder_is_never_sent_twice(app, booked, frozen):
    from services.appointments.reminders import send_reminder

    now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    with app.app_context():
        assert send_reminder(booked["id"], now) is True
        assert send_reminder(booked["id"], now) is False


def test_cli_and_task_run_the_same_job(app, desk, booked, frozen):
    from services.appointments.tasks import send_appointment_reminders

    frozen.now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0
    assert "reminders sent: 1" in result.output
    with app.app_context():
        assert send_appointment_reminders.delay().get() == 0  # already sent by the CLI
    assert len(reminders(app, desk.citizen.id)) == 1


def test_appointment_notifications_are_declared(app):
    # Their four texts and placeholders are checked with the catalogues (tests/i18n).
    from services.notifications.templates import TEMPLATES

    for code in (
        "appointment_booked",
        "appointment_cancelled_closure",
        "appointment_reminder",
        "appointment_reminder_today",
        "appointment_rescheduled",
        "appointment_cancelled",
    ):
        assert TEMPLATES[code].title.context == f"notification.{code}.title"
        assert TEMPLATES[code].body.context == f"notification.{code}.body"


# --- "today" or "tomorrow", said truthfully -----------------------------------------------
def test_a_booking_for_later_today_is_reminded_that_it_is_today(app, client, make, desk, frozen):
    holder = make.citizen(language="vi")
    applicant = make.applicant(holder)
    # Wednesday 13 January, 07:00 in Paris: a seat at 10:00 the same morning.
    frozen.now = datetime(2027, 1, 13, 6, 0, tzinfo=UTC)
    today = make.slot(desk.post, desk.service, datetime(2027, 1, 13, 9, 30, tzinfo=UTC))
    response = book(
        client, desk, headers=make.auth(holder), applicant_id=applicant.id, slot_id=today.id
    )
    assert response.status_code == 201, response.get_json()
    assert run(app) == 1
    (note,) = reminders(app, holder.id)
    assert note.template == "appointment_reminder_today"
    assert note.title == "Lịch hẹn của bạn vào hôm nay"
    assert "13 thg 1, 2027 10:30 (UTC+01:00)" in note.body


def test_the_day_before_it_still_says_tomorrow(app, client, make, desk, frozen):
    holder = make.citizen(language="zh-Hant")
    applicant = make.applicant(holder)
    book(client, desk, headers=make.auth(holder), applicant_id=applicant.id)
    # Tuesday 23:30 in Paris is already Wednesday in UTC+8, but the post's day decides.
    frozen.now = datetime(2027, 1, 12, 22, 30, tzinfo=UTC)
    assert run(app) == 1
    (note,) = reminders(app, holder.id)
    assert (note.template, note.title) == ("appointment_reminder", "明天有預約")


def test_a_late_run_on_the_day_says_today(app, client, make, desk, booked, frozen):
    # The beat job was down from Tuesday morning until Wednesday 07:00 Paris.
    frozen.now = datetime(2027, 1, 13, 6, 0, tzinfo=UTC)
    assert run(app) == 1
    (note,) = reminders(app, desk.citizen.id)
    assert note.title == "Your appointment is today"


def test_a_reschedule_between_listing_and_claim_sends_nothing_early(
    app, client, make, desk, booked, frozen
):
    from services.appointments.reminders import due_reminders, send_reminder
    from services.core.db import db
    from services.models import Appointment

    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=3))
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    with app.app_context():
        listed = due_reminders(frozen.now)
    assert listed == [booked["id"]]
    # Another worker's request moves the appointment to Saturday before this run claims it.
    moved = client.post(
        f"/api/v1/appointments/{booked['id']}/reschedule",
        json={"slot_id": later.id},
        headers=desk.headers,
    )
    assert moved.status_code == 200
    with app.app_context():
        assert send_reminder(booked["id"], frozen.now) is False
        assert db.session.get(Appointment, booked["id"]).reminder_sent_at is None
    assert reminders(app, desk.citizen.id) == []
    frozen.now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)  # Friday 09:00 Paris
    assert run(app) == 1


# --- the hour is configuration ----------------------------------------------------------
def test_the_reminder_hour_comes_from_configuration(app, client, desk, booked, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "APPOINTMENT_REMINDER_HOUR", 18)
    frozen.now = datetime(2027, 1, 12, 16, 59, tzinfo=UTC)  # 17:59 in Paris
    assert run(app) == 0
    frozen.now = datetime(2027, 1, 12, 17, 0, tzinfo=UTC)
    assert run(app) == 1


def test_the_reminder_hour_is_read_from_the_environment(monkeypatch, tmp_path):
    from api.config import ConfigError, load_config

    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.delenv("APPOINTMENT_REMINDER_HOUR", raising=False)
    assert load_config(str(tmp_path))["APPOINTMENT_REMINDER_HOUR"] == 9
    monkeypatch.setenv("APPOINTMENT_REMINDER_HOUR", "7")
    assert load_config(str(tmp_path))["APPOINTMENT_REMINDER_HOUR"] == 7
    for wrong in ("24", "-1", "nine", "7.5"):
        monkeypatch.setenv("APPOINTMENT_REMINDER_HOUR", wrong)
        with pytest.raises(ConfigError, match="APPOINTMENT_REMINDER_HOUR"):
            load_config(str(tmp_path))


# --- a change supersedes the reminder and says what changed --------------------------------
def _inbox(client, headers) -> list[dict]:
    return client.get("/api/v1/notifications", headers=headers).get_json()


def test_a_reschedule_supersedes_the_reminder_and_says_so(app, client, make, desk, frozen):
    holder = make.citizen(language="zh-Hans")
    applicant = make.applicant(holder)
    headers = make.auth(holder)
    booked = book(client, desk, headers=headers, applicant_id=applicant.id).get_json()
    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=3))
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    (reminder,) = [n for n in _inbox(client, headers) if n["kind"] == "reminder"]
    assert reminder["superseded_at"] is None

    moved = client.post(
        f"/api/v1/appointments/{booked['id']}/reschedule",
        json={"slot_id": later.id},
        headers=headers,
    )
    assert moved.status_code == 200
    inbox = _inbox(client, headers)
    notice = inbox[0]
    assert notice["title"] == "预约已改期"
    assert "改为 2027年1月16日周六 10:00 (UTC+01:00)" in notice["body"]
    assert "原为 2027年1月13日周三 10:00 (UTC+01:00)" in notice["body"]
    assert notice["data"] == {
        "appointment_id": booked["id"],
        "type": "appointment_rescheduled",
    }
    (old,) = [n for n in inbox if n["id"] == reminder["id"]]
    assert old["superseded_at"] is not None
    # The booking notice is not a reminder: it stays as it was.
    assert all(n["superseded_at"] is None for n in inbox if n["id"] != reminder["id"])


def test_the_travellers_cancellation_supersedes_the_reminder_and_says_so(
    app, client, make, desk, frozen
):
    holder = make.citizen(language="vi")
    applicant = make.applicant(holder)
    headers = make.auth(holder)
    booked = book(client, desk, headers=headers, applicant_id=applicant.id).get_json()
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    cancelled = client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    inbox = _inbox(client, headers)
    assert inbox[0]["title"] == "Lịch hẹn đã bị hủy"
    assert "Bạn đã hủy lịch hẹn" in inbox[0]["body"] and booked["code"] in inbox[0]["body"]
    (old,) = [n for n in inbox if n["kind"] == "reminder"]
    assert old["superseded_at"] is not None
    # A retried cancel answers the same and says nothing twice.
    again = client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    assert again.status_code == 200
    assert len(_inbox(client, headers)) == len(inbox)


def test_a_superseded_reminder_held_by_quiet_hours_is_never_pushed(
    app, client, make, desk, booked, frozen
):
    from services.core.db import db
    from services.models import Delivery

    headers = desk.headers
    assert (
        client.post(
            "/api/v1/devices",
            json={"token": "quiet-device-" + "q" * 30, "platform": "android"},
            headers=headers,
        ).status_code
        == 201
    )
    quiet = {"quiet_start": "00:00:00", "quiet_end": "23:59:00"}
    assert client.patch("/api/v1/notification-settings", json=quiet, headers=headers).status_code
    frozen.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert run(app) == 1
    (reminder,) = reminders(app, desk.citizen.id)
    with app.app_context():
        (held,) = db.session.scalars(
            select(Delivery).where(Delivery.notification_id == reminder.id)
        ).all()
        assert held.status == "pending"
    client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    with app.app_context():
        held = db.session.get(Delivery, held.id)
        assert (held.status, held.last_error) == ("failed", "superseded")
