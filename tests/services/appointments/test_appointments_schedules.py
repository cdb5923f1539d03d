"""Officers' schedule: templates generate slots, changes keep bookings, closures cancel and
notify, the booking policy, post scoping and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.appointments.appointment_support import book, slot_counts

REASON = {
    "en": "National holiday",
    "zh-Hans": "国庆假期",
    "zh-Hant": "國慶假期",
    "vi": "Ngày lễ quốc gia",
}


def staff_url(post: str, path: str) -> str:
    return f"/api/v1/staff/posts/{post}/{path}"


@pytest.fixture
def officer(make, desk):
    return make.auth(make.staff("officer", posts=[desk.post]))


def availability(client, desk, day: str, last: str | None = None):
    response = client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service, "from": day, "to": last or day},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slots"]


TUESDAY = {
    "weekday": 1,
    "opens_at": "09:00",
    "closes_at": "12:00",
    "slot_minutes": 30,
    "capacity": 2,
}


def test_template_generates_the_window_and_shows_in_availability(client, desk, officer):
    created = client.post(
        staff_url(desk.post, "schedule-templates"),
        json={**TUESDAY, "services": [desk.service]},
        headers=officer,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["services"] == [desk.service]
    assert body["opens_at"] == "09:00:00"
    # The default window is today plus 60 days: nine Tuesdays of six slots.
    assert body["slot_changes"]["created"] == 54
    slots = availability(client, desk, "2027-01-12")
    assert [s["start"] for s in slots] == [
        f"2027-01-12T{h}+01:00"
        for h in ("09:00:00", "09:30:00", "10:00:00", "10:30:00", "11:00:00", "11:30:00")
    ]
    assert all(s["bookable"] and s["remaining"] == 2 and not s["closed"] for s in slots)
    listed = client.get(staff_url(desk.post, "schedule-templates"), headers=officer)
    assert [t["id"] for t in listed.get_json()] == [body["id"]]


def test_changing_a_template_never_drops_a_booked_appointment(app, client, make, desk, officer):
    template = client.post(
        staff_url(desk.post, "schedule-templates"),
        json={**TUESDAY, "services": [desk.service]},
        headers=officer,
    ).get_json()
    ten = next(s for s in availability(client, desk, "2027-01-19") if "T10:00" in s["start"])
    booked = book(client, desk, slot_id=ten["id"]).get_json()

    changed = client.patch(
        staff_url(desk.post, f"schedule-templates/{template['id']}"),
        json={"opens_at": "13:00", "closes_at": "15:00", "capacity": 3},
        headers=officer,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["slot_changes"]["kept"] == 1
    starts = [s["start"][11:16] for s in availability(client, desk, "2027-01-19")]
    assert starts == ["13:00", "13:30", "14:00", "14:30"]
    kept = client.get(f"/api/v1/appointments/{booked['id']}", headers=desk.headers).get_json()
    assert (kept["status"], kept["start"]) == ("booked", "2027-01-19T10:00:00+01:00")
    assert slot_counts(app, ten["id"]) == (1, 2, 1)
    sheet = client.get(
        staff_url(desk.post, "day-sheet"), query_string={"date": "2027-01-19"}, headers=officer
    ).get_json()
    assert [(a["id"], a["in_schedule"]) for a in sheet] == [(booked["id"], False)]
    # Nobody else can take the kept slot.
    other = make.citizen()
    late = book(
        client,
        desk,
        headers=make.auth(other),
        applicant_id=make.applicant(other).id,
        slot_id=ten["id"],
    )
    assert (late.status_code, late.get_json()["error"]) == (404, "slot_not_found")

    assert (
        client.delete(
            staff_url(desk.post, f"schedule-templates/{template['id']}"), headers=officer
        ).status_code
        == 204
    )
    assert availability(client, desk, "2027-01-19") == []
    assert slot_counts(app, ten["id"]) == (1, 2, 1)


def test_template_errors(client, make, desk, officer):
    url = staff_url(desk.post, "schedule-templates")
    first = client.post(url, json={**TUESDAY, "services": [desk.service]}, headers=officer)
    overlap = client.post(
        url,
        json={**TUESDAY, "opens_at": "11:30", "closes_at": "13:00", "services": [desk.service]},
        headers=officer,
    )
    assert (overlap.status_code, overlap.get_json()["error"]) == (409, "template_overlap")
    assert str(first.get_json()["id"]) in overlap.get_json()["message"]

    unoffered = make.service_type()
    response = client.post(url, json={**TUESDAY, "services": [unoffered.code]}, headers=officer)
    assert (response.status_code, response.get_json()["error"]) == (422, "service_not_offered")

    backwards = client.post(
        url,
        json={**TUESDAY, "opens_at": "12:00", "closes_at": "09:00", "services": [desk.service]},
        headers=officer,
    )
    assert backwards.status_code == 422
    assert "closes_at" in backwards.get_json()["errors"]["json"]

    too_long = client.post(
        url,
        json={**TUESDAY, "weekday": 2, "slot_minutes": 240, "services": [desk.service]},
        headers=officer,
    )
    assert (too_long.status_code, too_long.get_json()["error"]) == (422, "slot_longer_than_opening")

    closing_early = client.patch(
        f"{url}/{first.get_json()['id']}", json={"closes_at": "08:00"}, headers=officer
    )
    assert (closing_early.status_code, closing_early.get_json()["error"]) == (
        422,
        "closing_before_opening",
    )
    missing = client.patch(f"{url}/999999", json={"capacity": 1}, headers=officer)
    assert (missing.status_code, missing.get_json()["error"]) == (404, "template_not_found")
    assert client.post(url, json={**TUESDAY, "services": []}, headers=officer).status_code == 422
    no_closure = client.delete(staff_url(desk.post, "closures/999999"), headers=officer)
    assert (no_closure.status_code, no_closure.get_json()["error"]) == (404, "closure_not_found")


def test_closing_days_cancels_their_appointments_and_tells_each_holder(
    app, client, make, desk, officer
):
    from sqlalchemy import select

    from services.core.db import db
    from services.models import Notification

    other = make.citizen(language="vi")
    other_applicant = make.applicant(other)
    first = book(client, desk).get_json()
    second = book(
        client, desk, headers=make.auth(other), applicant_id=other_applicant.id
    ).get_json()
    next_day = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1))
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    untouched = book(client, desk, applicant_id=sibling.id, slot_id=next_day.id).get_json()

    closure = client.post(
        staff_url(desk.post, "closures"),
        json={"first_day": "2027-01-13", "reason": REASON},
        headers={**officer, "Accept-Language": "zh-Hant"},
    )
    assert closure.status_code == 201, closure.get_json()
    body = closure.get_json()
    assert body["cancelled_count"] == 2
    assert body["starts_at"] == "2027-01-13T00:00:00+01:00"
    assert body["ends_at"] == "2027-01-14T00:00:00+01:00"
    assert body["reason"] == "國慶假期"

    for appointment, headers in ((first, desk.headers), (second, make.auth(other))):
        now = client.get(f"/api/v1/appointments/{appointment['id']}", headers=headers).get_json()
        assert (now["status"], now["cancel_reason"]) == ("cancelled", "closure")
        calendar = client.get(
            f"/api/v1/appointments/{appointment['id']}/calendar.ics", headers=headers
        ).data.decode()
        # One change after booking: calendar apps take the cancellation only with SEQUENCE 1.
        assert "SEQUENCE:1\r\n" in calendar and "STATUS:CANCELLED\r\n" in calendar
    assert (
        client.get(f"/api/v1/appointments/{untouched['id']}", headers=desk.headers).get_json()[
            "status"
        ]
        == "booked"
    )
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)

    with app.app_context():
        notes = {
            n.account_id: n
            for n in db.session.scalars(
                select(Notification).where(Notification.template == "appointment_cancelled_closure")
            )
        }
    assert set(notes) == {desk.citizen.id, other.id}
    assert "National holiday" in notes[desk.citizen.id].body
    assert "Ngày lễ quốc gia" in notes[other.id].body
    assert notes[other.id].data["appointment_id"] == second["id"]

    day = availability(client, desk, "2027-01-13")
    assert day and all(s["closed"] and not s["bookable"] for s in day)
    assert book(client, desk).get_json()["error"] == "post_closed"

    audit = client.get(staff_url(desk.post, "audit-log"), headers=officer).get_json()
    entry = next(e for e in audit if e["action"] == "closure.create")
    assert sorted(entry["details"]["cancelled_appointments"]) == sorted([first["id"], second["id"]])
    assert entry["details"]["reason"]["en"] == "National holiday"

    assert (
        client.delete(staff_url(desk.post, f"closures/{body['id']}"), headers=officer).status_code
        == 204
    )
    assert all(s["bookable"] for s in availability(client, desk, "2027-01-13"))
    assert (
        client.get(f"/api/v1/appointments/{first['id']}", headers=desk.headers).get_json()["status"]
        == "cancelled"
    )


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (
            {"first_day": "2027-01-13", "last_day": "2027-01-12", "reason": REASON},
            "invalid_date_range",
        ),
        (
            {
                "starts_at": "2027-01-13T12:00:00+01:00",
                "ends_at": "2027-01-13T10:00:00+01:00",
                "reason": REASON,
            },
            "invalid_date_range",
        ),
        (
            {"first_day": "2027-01-13", "last_day": "2028-06-01", "reason": REASON},
            "date_range_too_long",
        ),
        (
            {
                "starts_at": "2027-01-13T12:00:00",
                "ends_at": "2027-01-13T14:00:00",
                "reason": REASON,
            },
            "validation_error",
        ),
        (
            {"first_day": "2027-01-13", "starts_at": "2027-01-13T12:00:00+01:00", "reason": REASON},
            "validation_error",
        ),
        ({"first_day": "2027-01-13", "reason": {"vi": "Nghỉ"}}, "validation_error"),
    ],
)
def test_closure_validation(client, desk, officer, payload, error):
    response = client.post(staff_url(desk.post, "closures"), json=payload, headers=officer)
    assert response.status_code == 422
    assert response.get_json()["error"] == error


def test_booking_policy_read_and_change_is_audited(client, desk, officer):
    url = staff_url(desk.post, "booking-policy")
    assert client.get(url, headers=officer).get_json() == {
        "min_lead_hours": 2,
        "max_days_ahead": 60,
        "cancel_cutoff_hours": 24,
        "no_show_limit": None,
        "no_show_block_days": 30,
    }
    changed = client.patch(url, json={"no_show_limit": 2, "max_days_ahead": 30}, headers=officer)
    assert changed.status_code == 200
    assert changed.get_json()["no_show_limit"] == 2
    assert client.patch(url, json={"max_days_ahead": 0}, headers=officer).status_code == 422
    audit = client.get(staff_url(desk.post, "audit-log"), headers=officer).get_json()
    entry = next(e for e in audit if e["action"] == "booking_policy.update")
    assert entry["details"]["new"]["max_days_ahead"] == 30
    assert entry["details"]["old"]["max_days_ahead"] == 60


def test_officers_of_another_post_and_citizens_are_refused(client, make, desk, officer):
    stranger_post = make.post()
    outsider = make.auth(make.staff("officer", posts=[stranger_post.code]))
    citizen = desk.headers
    admin = make.auth(make.staff("admin"))
    calls = [
        ("get", "booking-policy", None),
        ("patch", "booking-policy", {"max_days_ahead": 10}),
        ("get", "schedule-templates", None),
        ("post", "schedule-templates", {**TUESDAY, "services": [desk.service]}),
        ("patch", "schedule-templates/1", {"capacity": 1}),
        ("delete", "schedule-templates/1", None),
        ("get", "closures", None),
        ("post", "closures", {"first_day": "2027-01-13", "reason": REASON}),
        ("delete", "closures/1", None),
        ("get", "day-sheet", None),
        ("post", "check-in", {"code": "ABCD-EFGH-JKMN"}),
        ("post", "appointments/1/no-show", None),
        ("post", "appointments/1/complete", None),
    ]
    for method, path, body in calls:
        url = staff_url(desk.post, path)
        refused = getattr(client, method)(url, json=body, headers=outsider)
        assert refused.status_code == 403, (method, path)
        assert refused.get_json()["error"] == "post_scope_forbidden"
        assert getattr(client, method)(url, json=body, headers=citizen).status_code == 403
        assert getattr(client, method)(url, json=body).status_code == 401
    assert client.get(staff_url(desk.post, "booking-policy"), headers=admin).status_code == 200
    assert client.get(staff_url("XX-NONE", "booking-policy"), headers=admin).status_code == 404
    # Nothing changed: no template, no closure.
    assert client.get(staff_url(desk.post, "schedule-templates"), headers=officer).get_json() == []
    assert client.get(staff_url(desk.post, "closures"), headers=officer).get_json() == []


def test_generation_is_idempotent_and_moves_with_the_window(app, make, desk, frozen):
    from services.appointments.slots import generate_all_slots

    make.template(desk.post, [desk.service], weekday=1)
    with app.app_context():
        assert generate_all_slots()[desk.post]["created"] == 0
        frozen.advance(days=7)
        # A week later one more Tuesday enters the window; the past ones are left alone.
        assert generate_all_slots()[desk.post] == {
            "created": 6,
            "updated": 0,
            "deleted": 0,
            "kept": 0,
        }


def test_generate_slots_cli(app, make, desk):
    make.template(desk.post, [desk.service], weekday=3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["generate-slots", "--post", desk.post])
    assert result.exit_code == 0, result.output
    assert f"{desk.post}: " in result.output
    assert runner.invoke(args=["generate-slots", "--post", "XX-NONE"]).exit_code != 0
