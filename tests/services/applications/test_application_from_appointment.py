"""From the counter to the application: check in, open the application, the visit is done;
expected dates skip the post's closures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.services.appointments.appointment_support import book


def test_an_application_is_opened_from_a_checked_in_appointment(app, client, make, desk, frozen):
    officer = make.auth(make.staff("officer", posts=[desk.post]))
    booked = book(client, desk).get_json()
    url = f"/api/v1/staff/posts/{desk.post}/appointments/{booked['id']}/application"

    too_soon = client.post(url, json={}, headers=officer)
    assert (
        too_soon.status_code == 409 and too_soon.get_json()["error"] == "appointment_not_checked_in"
    )

    frozen.now = desk.slot_start - timedelta(minutes=10)
    checked = client.post(
        f"/api/v1/staff/posts/{desk.post}/check-in", json={"code": booked["code"]}, headers=officer
    )
    assert checked.status_code == 200
    opened = client.post(url, json={}, headers=officer)
    assert opened.status_code == 201, opened.get_json()
    application = opened.get_json()
    assert application["appointment_id"] == booked["id"]
    assert application["service"] == desk.service
    assert application["account_id"] == desk.citizen.id

    # The citizen now follows it; the visit is over.
    mine = client.get(f"/api/v1/applications/{application['id']}", headers=desk.headers)
    assert mine.status_code == 200 and mine.get_json()["state"] == "submitted"
    assert (
        client.get(f"/api/v1/appointments/{booked['id']}", headers=desk.headers).get_json()[
            "status"
        ]
        == "completed"
    )
    # A second try (a double tap, the next counter) hears that it exists, and which one.
    again = client.post(url, json={}, headers={**officer, "Accept-Language": "vi"})
    assert again.status_code == 409
    body = again.get_json()
    assert body["error"] == "application_exists"
    assert body["errors"] == {"application_id": application["id"], "number": application["number"]}
    assert body["message"] == f"Lịch hẹn này đã được mở hồ sơ {application['number']}."

    stranger = make.auth(
        make.staff("officer", posts=[make.post(country="DE", time_zone="Europe/Berlin").code])
    )
    assert client.post(url, json={}, headers=stranger).status_code == 403


def test_expected_dates_skip_closures(app, make):
    from services.catalogue.working_days import add_working_days
    from services.models import Post

    post = make.post()
    admin = make.staff("admin")
    from services.appointments import schedules
    from services.core.db import db
    from services.models import Account

    with app.app_context():
        actor = db.session.get(Account, admin.id)
        # Christmas Eve and Christmas Day 2026 (Thursday and Friday) closed.
        schedules.create_closure(
            actor,
            post.code,
            {
                "first_day": date(2026, 12, 24),
                "last_day": date(2026, 12, 25),
                "reason": {"en": "Christmas"},
            },
        )
        # A closure of a few hours does not close the whole day.
        schedules.create_closure(
            actor,
            post.code,
            {
                "starts_at": datetime(2026, 12, 28, 9, 0, tzinfo=UTC),
                "ends_at": datetime(2026, 12, 28, 11, 0, tzinfo=UTC),
                "reason": {"en": "Fire drill"},
            },
        )
        row = db.session.get(Post, post.id)
        # Wed 23 Dec + 2 working days: 24 and 25 closed, 26/27 weekend, so Mon 28 and Tue 29.
        assert add_working_days(row, date(2026, 12, 23), 2) == date(2026, 12, 29)
