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

    for code in ("appointment_booked", "appointment_cancelled_closure", "appointment_reminder"):
        assert TEMPLATES[code].title.context == f"notification.{code}.title"
        assert TEMPLATES[code].body.context == f"notification.{code}.body"
