"""Applications over HTTP: opening, transitions, what each party sees, notifications."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from services.applications.states import TRANSITIONS
from services.core.db import db
from services.models import Account, Application, Notification


@pytest.fixture
def setup(make):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    return post, service, officer


def _move(client, headers, application_id, to, **body):
    return client.post(
        f"/api/v1/staff/applications/{application_id}/transitions",
        json={"to": to, **body},
        headers=headers,
    )


def test_walk_in_opening_and_scoping(client, make, setup):
    post, service, officer = setup
    body = {
        "service": service.code,
        "person": {
            "surname_latin": "Trần",
            "given_names_latin": "Thị Bình",
            "date_of_birth": "1985-02-01",
        },
    }
    opened = client.post(
        f"/api/v1/staff/posts/{post.code}/applications/walk-in",
        json=body,
        headers=make.auth(officer),
    )
    assert opened.status_code == 201, opened.get_json()
    data = opened.get_json()
    assert data["number"].startswith(post.code.replace("-", "") + "-")
    assert data["state"] == "submitted"
    assert data["allowed_transitions"] == list(TRANSITIONS["submitted"])
    assert date.fromisoformat(data["expected_on"]) > date.fromisoformat(data["submitted_at"][:10])

    other_post = make.post()
    stranger = make.staff("officer", posts=[other_post.code])
    assert (
        client.post(
            f"/api/v1/staff/posts/{post.code}/applications/walk-in",
            json=body,
            headers=make.auth(stranger),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/staff/posts/{post.code}/applications/walk-in",
            json=body,
            headers=make.auth(make.citizen()),
        ).status_code
        == 403
    )
    closed_post = make.post()
    client.put(
        f"/api/v1/admin/posts/{closed_post.code}/fees/{service.code}",
        json={"amount": "1"},
        headers=make.auth(make.staff("admin")),
    )
    no_walk_in = client.post(
        f"/api/v1/staff/posts/{closed_post.code}/applications/walk-in",
        json=body,
        headers=make.auth(make.staff("officer", posts=[closed_post.code])),
    )
    assert no_walk_in.status_code == 409 and no_walk_in.get_json()["error"] == "walk_in_not_allowed"
    unknown_service = client.post(
        f"/api/v1/staff/posts/{post.code}/applications/walk-in",
        json={**body, "service": "passport_new"},
        headers=make.auth(officer),
    )
    assert unknown_service.status_code in (404, 422)


def test_numbers_are_sequential_per_post_and_year(make, setup):
    post, service, officer = setup
    numbers = [make.application(officer, post.code, service.code).number for _ in range(3)]
    sequences = [int(n.split("-")[2]) for n in numbers]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]


def test_the_happy_path_to_collection(client, make, setup):
    post, service, officer = setup
    application = make.application(officer, post.code, service.code)
    headers = make.auth(officer)
    for state in (
        "accepted",
        "in_review",
        "approved",
        "in_production",
        "ready_for_collection",
        "collected",
    ):
        response = _move(client, headers, application.id, state, public_note=f"now {state}")
        assert response.status_code == 200, response.get_json()
    final = client.get(f"/api/v1/staff/applications/{application.id}", headers=headers).get_json()
    assert final["state"] == "collected" and final["completed_at"]
    assert [e["to_state"] for e in final["events"]][-1] == "collected"


def test_invalid_transitions_name_the_allowed_ones(client, make, setup):
    post, service, officer = setup
    application = make.application(officer, post.code, service.code)
    response = _move(client, make.auth(officer), application.id, "approved")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "invalid_transition"
    assert body["errors"] == {"allowed": ["accepted", "rejected", "withdrawn"]}
    assert "accepted, rejected, withdrawn" in body["message"]


def test_rules_on_notes_and_delivery(client, make, setup):
    post, service, officer = setup
    headers = make.auth(officer)
    application = make.application(officer, post.code, service.code)
    assert (
        _move(client, headers, application.id, "rejected").get_json()["error"]
        == "rejection_reason_required"
    )
    _move(client, headers, application.id, "accepted")
    _move(client, headers, application.id, "in_review")
    assert (
        _move(client, headers, application.id, "more_information_required").get_json()["error"]
        == "information_request_required"
    )
    for state in ("approved", "in_production"):
        _move(client, headers, application.id, state)
    dispatched = _move(client, headers, application.id, "dispatched", tracking_number="TRACK123")
    assert (
        dispatched.status_code == 409
        and dispatched.get_json()["error"] == "delivery_method_mismatch"
    )

    courier = make.application(
        officer,
        post.code,
        service.code,
        delivery_method="courier",
        delivery_address="12 rue X, Paris",
    )
    for state in ("accepted", "in_review", "approved", "in_production"):
        _move(client, headers, courier.id, state)
    assert (
        _move(client, headers, courier.id, "dispatched").get_json()["error"]
        == "tracking_number_required"
    )
    assert _move(client, headers, courier.id, "ready_for_collection").status_code == 409
    assert (
        _move(
            client, headers, courier.id, "dispatched", tracking_number="EE123456789FR"
        ).status_code
        == 200
    )
    assert _move(client, headers, courier.id, "delivered").status_code == 200


def _owned_application(app, make, post, service, officer):
    """A citizen's application opened for their own applicant record (the appointment flow)."""
    from services.accounts import applicants
    from services.applications import applications

    citizen = make.citizen(language="vi")
    with app.app_context():
        owner = db.session.get(Account, citizen.id)
        applicant = applicants.create_applicant(
            owner, {**make.applicant_payload(), "date_of_birth": date(1990, 5, 17)}
        )
        actor = db.session.get(Account, officer.id)
        application = applications.open_for_applicant(
            actor, post.code, owner, applicant.id, {"service": service.code}
        )
        return citizen, application.id, application.number


def test_what_each_party_sees(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id, _number = _owned_application(app, make, post, service, officer)
    officer_headers = make.auth(officer)
    _move(
        client,
        officer_headers,
        application_id,
        "accepted",
        public_note="Hồ sơ đã nhận",
        internal_note="check prior passport",
    )
    _move(client, officer_headers, application_id, "in_review")
    _move(
        client,
        officer_headers,
        application_id,
        "more_information_required",
        information_requested="Ảnh chân dung mới",
    )

    mine = client.get(
        f"/api/v1/applications/{application_id}",
        headers={**make.auth(citizen), "Accept-Language": "vi"},
    )
    assert mine.status_code == 200
    body = mine.get_json()
    assert body["information_requested"] == "Ảnh chân dung mới"
    assert [entry["state"] for entry in body["timeline"]] == [
        "submitted",
        "accepted",
        "in_review",
        "more_information_required",
    ]
    assert body["timeline"][1]["state_name"] == "Đã tiếp nhận"
    assert "check prior passport" not in str(body)
    # Exactly these fields, so no officer identity or internal note can slip in.
    assert all(
        set(entry) == {"state", "state_name", "at", "note", "information_requested"}
        for entry in body["timeline"]
    )
    assert not {"events", "internal_note", "opened_by", "account_id"} & set(body)
    assert [
        a["id"] for a in client.get("/api/v1/applications", headers=make.auth(citizen)).get_json()
    ] == [application_id]

    other = make.auth(make.citizen())
    assert client.get(f"/api/v1/applications/{application_id}", headers=other).status_code == 404
    assert client.get("/api/v1/applications", headers=other).get_json() == []
    assert (
        client.post(
            f"/api/v1/applications/{application_id}/withdraw", json={}, headers=other
        ).status_code
        == 404
    )

    staff_view = client.get(
        f"/api/v1/staff/applications/{application_id}", headers=officer_headers
    ).get_json()
    assert staff_view["events"][1]["internal_note"] == "check prior passport"
    stranger = make.auth(make.staff("officer", posts=[make.post().code]))
    assert (
        client.get(f"/api/v1/staff/applications/{application_id}", headers=stranger).status_code
        == 403
    )
    assert _move(client, stranger, application_id, "in_review").status_code == 403
    assert (
        client.get(f"/api/v1/staff/posts/{post.code}/applications", headers=stranger).status_code
        == 403
    )
    assert (
        client.get(
            f"/api/v1/staff/applications/{application_id}", headers=make.auth(citizen)
        ).status_code
        == 403
    )


def test_every_change_notifies_in_the_same_transaction(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id, number = _owned_application(app, make, post, service, officer)

    def inbox():
        with app.app_context():
            return db.session.scalars(
                select(Notification.title)
                .where(Notification.account_id == citizen.id)
                .order_by(Notification.id)
            ).all()

    assert inbox() == [f"Hồ sơ {number}"]  # opened
    headers = make.auth(officer)
    assert _move(client, headers, application_id, "accepted").status_code == 200
    assert len(inbox()) == 2
    # A refused transition leaves no notification behind.
    assert _move(client, headers, application_id, "collected").status_code == 409
    assert _move(client, headers, application_id, "rejected").status_code == 422
    assert len(inbox()) == 2
    with app.app_context():
        latest = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
        # No note was given: the text ends with the sentence, not with a stray space.
        assert latest.body == "Trạng thái mới: Đã tiếp nhận."
        assert "Đã tiếp nhận" in latest.body and latest.data["application_id"] == application_id


def test_applicant_withdraws_only_before_approval(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id, _ = _owned_application(app, make, post, service, officer)
    withdrawn = client.post(
        f"/api/v1/applications/{application_id}/withdraw",
        json={"reason": "travel cancelled"},
        headers=make.auth(citizen),
    )
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "withdrawn"
    assert (
        client.post(
            f"/api/v1/applications/{application_id}/withdraw", json={}, headers=make.auth(citizen)
        ).status_code
        == 409
    )

    citizen2, second, _ = _owned_application(app, make, post, service, officer)
    headers = make.auth(officer)
    for state in ("accepted", "in_review", "approved"):
        _move(client, headers, second, state)
    late = client.post(
        f"/api/v1/applications/{second}/withdraw", json={}, headers=make.auth(citizen2)
    )
    assert late.status_code == 409 and late.get_json()["error"] == "invalid_transition"


def test_rating_once_after_collection_and_metrics(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id, _ = _owned_application(app, make, post, service, officer)
    mine = make.auth(citizen)
    assert (
        client.post(
            f"/api/v1/applications/{application_id}/rating", json={"score": 5}, headers=mine
        ).status_code
        == 409
    )
    headers = make.auth(officer)
    for state in (
        "accepted",
        "in_review",
        "approved",
        "in_production",
        "ready_for_collection",
        "collected",
    ):
        _move(client, headers, application_id, state)
    assert (
        client.post(
            f"/api/v1/applications/{application_id}/rating", json={"score": 6}, headers=mine
        ).status_code
        == 422
    )
    rated = client.post(
        f"/api/v1/applications/{application_id}/rating",
        json={"score": 4, "comment": "Nhanh"},
        headers=mine,
    )
    assert rated.status_code == 201
    again = client.post(
        f"/api/v1/applications/{application_id}/rating", json={"score": 5}, headers=mine
    )
    assert again.status_code == 409 and again.get_json()["error"] == "already_rated"

    make.application(officer, post.code, service.code)  # one still open
    metrics = client.get(
        f"/api/v1/staff/posts/{post.code}/application-metrics", headers=headers
    ).get_json()
    assert metrics["ratings"] == {"count": 1, "average": 4.0, "distribution": {"4": 1}}
    assert metrics["completed"] == 1 and metrics["on_time_share"] == 1.0
    assert metrics["median_processing_days"] is not None
    assert metrics["open_by_state"] == {"submitted": 1}


def test_overdue_and_due_soon_lists(app, client, make, setup):
    post, service, officer = setup
    late = make.application(officer, post.code, service.code)
    soon = make.application(officer, post.code, service.code)
    make.application(officer, post.code, service.code)  # due in 10 working days
    with app.app_context():
        from services.catalogue.working_days import add_working_days
        from services.core import clock

        db.session.get(Application, late.id).expected_on = date(2020, 1, 6)
        row = db.session.get(Application, soon.id)
        row.expected_on = add_working_days(row.post, clock.today_in(row.post.time_zone), 1)
        db.session.commit()
    headers = make.auth(officer)
    overdue = client.get(
        f"/api/v1/staff/posts/{post.code}/applications?due=overdue", headers=headers
    ).get_json()
    assert [a["id"] for a in overdue] == [late.id] and overdue[0]["overdue"] is True
    due_soon = client.get(
        f"/api/v1/staff/posts/{post.code}/applications?due=due_soon", headers=headers
    ).get_json()
    assert [a["id"] for a in due_soon] == [soon.id]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 3
