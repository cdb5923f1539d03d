"""The counter: day sheet, check-in by QR token or typed code with clear errors, no-show
after the slot ends, complete, the no-show policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.appointments.appointment_support import book


def staff_url(post: str, path: str) -> str:
    return f"/api/v1/staff/posts/{post}/{path}"


@pytest.fixture
def officer(make, desk):
    return make.auth(make.staff("officer", posts=[desk.post]))


@pytest.fixture
def booked(client, desk):
    response = book(client, desk)
    assert response.status_code == 201
    return response.get_json()


def check_in(client, desk, officer, **body):
    return client.post(staff_url(desk.post, "check-in"), json=body, headers=officer)


def test_check_in_by_qr_token_then_complete(client, desk, officer, booked, frozen):
    frozen.now = desk.slot_start - timedelta(minutes=20)
    response = check_in(client, desk, officer, token=booked["pass_token"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["code"]) == (
        booked["id"],
        "checked_in",
        booked["code"],
    )
    assert body["applicant"]["passport_number"] == "C1234567"
    assert check_in(client, desk, officer, token=booked["pass_token"]).status_code == 200

    done = client.post(
        staff_url(desk.post, f"appointments/{booked['id']}/complete"), headers=officer
    )
    assert (done.status_code, done.get_json()["status"]) == (200, "completed")
    again = client.post(
        staff_url(desk.post, f"appointments/{booked['id']}/complete"), headers=officer
    )
    assert (again.status_code, again.get_json()["error"]) == (409, "invalid_status")
    mine = client.get(f"/api/v1/appointments/{booked['id']}", headers=desk.headers).get_json()
    assert mine["status"] == "completed"

    audit = client.get(staff_url(desk.post, "audit-log"), headers=officer).get_json()
    actions = [(e["action"], e["details"].get("by")) for e in audit]
    assert ("appointment.check_in", "qr") in actions
    assert ("appointment.complete", None) in actions


def test_a_pass_issued_before_sealed_payloads_still_checks_in(
    app, client, desk, officer, booked, frozen
):
    from services.appointments.booking_codes import pass_token

    frozen.now = desk.slot_start - timedelta(minutes=20)
    with app.app_context():
        older = pass_token(booked["id"])  # what the app may still show
    response = check_in(client, desk, officer, token=older)
    assert (response.status_code, response.get_json()["status"]) == (200, "checked_in")


def test_forged_and_foreign_passes_are_refused(client, desk, officer, booked, frozen):
    from tests.services.core.seal_factories import new_key, sticker_payload, tamper

    frozen.now = desk.slot_start - timedelta(minutes=20)
    other = make_other_code(booked["code"])
    forged = tamper(booked["pass_token"], lambda claims: claims[-65537].update(c=other))
    for token in (forged, sticker_payload(new_key(), post=desk.post)):
        refused = check_in(client, desk, officer, token=token)
        assert (refused.status_code, refused.get_json()["error"]) == (422, "pass_invalid")


def make_other_code(code: str) -> str:
    plain = code.replace("-", "")
    return plain[:-1] + ("2" if plain[-1] != "2" else "3")


def test_check_in_by_typed_code_is_forgiving(client, desk, officer, booked, frozen):
    frozen.now = desk.slot_start - timedelta(hours=1)
    typed = " " + booked["code"].lower().replace("-", " ") + " "
    response = check_in(client, desk, officer, code=typed)
    assert (response.status_code, response.get_json()["status"]) == (200, "checked_in")


def test_check_in_errors(client, make, desk, officer, booked, frozen):
    frozen.now = desk.slot_start - timedelta(hours=1)
    forged = booked["pass_token"][:-2] + ("AA" if not booked["pass_token"].endswith("AA") else "BB")
    assert check_in(client, desk, officer, token=forged).get_json()["error"] == "pass_invalid"
    assert check_in(client, desk, officer, token=forged).status_code == 422
    for code in ("2222-2222-2222", "not a code"):
        unknown = check_in(client, desk, officer, code=code)
        assert (unknown.status_code, unknown.get_json()["error"]) == (404, "appointment_not_found")
    neither = check_in(client, desk, officer)
    assert neither.status_code == 422

    elsewhere = make.post()
    other_officer = make.auth(make.staff("officer", posts=[elsewhere.code]))
    wrong_post = client.post(
        staff_url(elsewhere.code, "check-in"), json={"code": booked["code"]}, headers=other_officer
    )
    assert (wrong_post.status_code, wrong_post.get_json()["error"]) == (409, "wrong_post")

    frozen.now = desk.slot_start - timedelta(days=1)
    wrong_day = check_in(client, desk, officer, code=booked["code"])
    assert (wrong_day.status_code, wrong_day.get_json()["error"]) == (409, "wrong_day")
    assert "2027-01-13" in wrong_day.get_json()["message"]

    frozen.now = desk.slot_start - timedelta(days=2)
    client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=desk.headers)
    frozen.now = desk.slot_start - timedelta(hours=1)
    cancelled = check_in(client, desk, officer, code=booked["code"])
    assert (cancelled.status_code, cancelled.get_json()["error"]) == (409, "appointment_cancelled")


def test_no_show_only_after_the_slot_ends(client, make, desk, officer, booked, frozen):
    url = staff_url(desk.post, f"appointments/{booked['id']}/no-show")
    frozen.now = desk.slot_start + timedelta(minutes=29)
    early = client.post(url, headers=officer)
    assert (early.status_code, early.get_json()["error"]) == (409, "too_early_for_no_show")
    frozen.now = desk.slot_start + timedelta(minutes=30)
    marked = client.post(url, headers=officer)
    assert (marked.status_code, marked.get_json()["status"]) == (200, "no_show")
    twice = client.post(url, headers=officer)
    assert (twice.status_code, twice.get_json()["error"]) == (409, "invalid_status")

    elsewhere = make.post()
    other_officer = make.auth(make.staff("officer", posts=[elsewhere.code]))
    hidden = client.post(
        staff_url(elsewhere.code, f"appointments/{booked['id']}/no-show"), headers=other_officer
    )
    assert (hidden.status_code, hidden.get_json()["error"]) == (404, "appointment_not_found")


def test_checked_in_cannot_be_a_no_show(client, desk, officer, booked, frozen):
    frozen.now = desk.slot_start
    check_in(client, desk, officer, code=booked["code"])
    frozen.now = desk.slot_start + timedelta(hours=2)
    response = client.post(
        staff_url(desk.post, f"appointments/{booked['id']}/no-show"), headers=officer
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "invalid_status")


def test_no_show_policy_blocks_booking_for_n_days_after_k(client, make, desk, officer, frozen):
    make.booking_policy(desk.post, no_show_limit=2, no_show_block_days=30)
    other_post = make.post()
    make.fee(other_post.code, desk.service, "1")

    for week in range(2):
        start = desk.slot_start + timedelta(days=7 * week, hours=3)
        frozen.now = start - timedelta(days=2)
        slot = make.slot(desk.post, desk.service, start)
        appointment = book(client, desk, slot_id=slot.id).get_json()
        frozen.now = slot.ends_at + timedelta(minutes=1)
        marked = client.post(
            staff_url(desk.post, f"appointments/{appointment['id']}/no-show"), headers=officer
        )
        assert marked.status_code == 200

    frozen.now = frozen.now + timedelta(days=1)
    target = make.slot(desk.post, desk.service, frozen.now + timedelta(days=3))
    blocked = book(client, desk, slot_id=target.id)
    assert (blocked.status_code, blocked.get_json()["error"]) == (403, "booking_blocked")
    # Another post does not enable the policy: booking there works.
    there = make.slot(other_post.code, desk.service, frozen.now + timedelta(days=3))
    assert book(client, desk, post=other_post.code, slot_id=there.id).status_code == 201
    # Another account is not affected.
    other = make.citizen()
    ok = book(client, desk, headers=make.auth(other), applicant_id=make.applicant(other).id,
              slot_id=target.id)  # fmt: skip
    assert ok.status_code == 201

    frozen.advance(days=30)
    later = make.slot(desk.post, desk.service, frozen.now + timedelta(days=3))
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    assert book(client, desk, applicant_id=sibling.id, slot_id=later.id).status_code == 201


def test_day_sheet_lists_the_day_in_time_order(client, make, desk, officer, booked, frozen):
    early = make.slot(desk.post, desk.service, desk.slot_start - timedelta(hours=1), capacity=2)
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    first = book(client, desk, applicant_id=sibling.id, slot_id=early.id).get_json()
    third = make.applicant(desk.citizen, given_names_latin="Lan")
    cancelled = book(client, desk, applicant_id=third.id, slot_id=early.id).get_json()
    client.post(f"/api/v1/appointments/{cancelled['id']}/cancel", headers=desk.headers)
    make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1))

    url = staff_url(desk.post, "day-sheet")
    sheet = client.get(url, query_string={"date": "2027-01-13"}, headers=officer).get_json()
    assert [a["id"] for a in sheet] == [first["id"], booked["id"]]
    assert sheet[0]["start"] == "2027-01-13T09:00:00+01:00"
    assert sheet[0]["applicant"]["given_names_latin"] == "Minh"
    everything = client.get(
        url, query_string={"date": "2027-01-13", "include_cancelled": "true"}, headers=officer
    ).get_json()
    assert [a["id"] for a in everything] == [first["id"], cancelled["id"], booked["id"]]
    frozen.now = desk.slot_start - timedelta(hours=3)  # 07:00 local on the 13th
    assert [a["id"] for a in client.get(url, headers=officer).get_json()] == [
        first["id"],
        booked["id"],
    ]
    assert client.get(url, query_string={"date": "2027-01-14"}, headers=officer).get_json() == []
