"""A citizen's application renders one screen in one call: the post, the person, the fee and
its payment state, and the next action, through a whole life (pay, photo, questions,
collection, rating) and for posts that do not take payments in the app."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from services.core.db import db
from tests.services.documents.support import image_bytes, upload_and_confirm
from tests.services.payments.payment_support import owned_application, pay, sandbox


@pytest.fixture
def gateway(app, tmp_path):
    with sandbox(app, tmp_path) as sandbox_gateway:
        yield sandbox_gateway


def _mine(client, owned) -> dict:
    response = client.get(f"/api/v1/applications/{owned.application_id}", headers=owned.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _move(client, make, owned, to: str, **body) -> None:
    moved = client.post(
        f"/api/v1/staff/applications/{owned.application_id}/transitions",
        json={"to": to, **body},
        headers=make.auth(owned.officer),
    )
    assert moved.status_code == 200, moved.get_json()


def _applicant_id(app, owned) -> int:
    from services.models import Application

    with app.app_context():
        return db.session.get(Application, owned.application_id).applicant_id


def test_one_call_carries_the_screen_through_a_whole_life(app, client, make, gateway):
    owned = owned_application(app, make, fee="60")
    body = _mine(client, owned)
    assert body["post"] == {
        "code": owned.post.code,
        "name": owned.post.names["en"],
        "time_zone": "Europe/Paris",
        "address": "1 rue de Test",
    }
    assert body["applicant"]["id"] == _applicant_id(app, owned)
    assert set(body["applicant"]) == {"id", "surname_latin", "given_names_latin"}
    assert body["payment"] == {
        "state": "due",
        "fee": {"amount_minor": 6000, "currency": "EUR", "exponent": 2, "display": "€60.00"},
        "payment_id": None,
        "paid_at": None,
    }
    assert body["next_action"] == "pay"

    sheet = pay(client, owned).get_json()
    assert _mine(client, owned)["payment"]["payment_id"] == sheet["id"]  # still due
    paid = client.post(
        f"/api/v1/sandbox/payments/{sheet['id']}/simulate",
        json={"outcome": "succeeded"},
        headers=owned.headers,
    )
    assert paid.status_code == 200, paid.get_json()
    body = _mine(client, owned)
    assert (body["payment"]["state"], body["payment"]["payment_id"]) == ("paid", sheet["id"])
    assert body["payment"]["paid_at"]
    assert body["next_action"] == "upload_documents"  # no passport photo on file yet

    photo = upload_and_confirm(
        client, owned.headers, _applicant_id(app, owned), "photo", "image/jpeg", image_bytes()
    )
    assert photo.status_code == 200, photo.get_json()
    assert _mine(client, owned)["next_action"] == "none"  # the post is working on it

    for state in ("accepted", "in_review"):
        _move(client, make, owned, state)
    _move(client, make, owned, "more_information_required", information_requested="Old passport")
    assert _mine(client, owned)["next_action"] == "provide_information"
    for state in ("in_review", "approved", "in_production"):
        _move(client, make, owned, state)
    assert _mine(client, owned)["next_action"] == "none"
    _move(client, make, owned, "ready_for_collection")
    assert _mine(client, owned)["next_action"] == "collect"
    _move(client, make, owned, "collected")
    assert _mine(client, owned)["next_action"] == "rate"
    rated = client.post(
        f"/api/v1/applications/{owned.application_id}/rating",
        json={"score": 5},
        headers=owned.headers,
    )
    assert rated.status_code == 201
    body = _mine(client, owned)
    assert (body["next_action"], body["payment"]["state"]) == ("none", "paid")

    # The list carries the same, and the officers' view the post and the person too.
    (listed,) = client.get("/api/v1/applications", headers=owned.headers).get_json()
    assert listed == body
    staff = client.get(
        f"/api/v1/staff/applications/{owned.application_id}", headers=make.auth(owned.officer)
    ).get_json()
    assert staff["post"] == body["post"] and staff["applicant"] == body["applicant"]


def test_posts_without_payment_in_the_app_and_free_services(app, client, make):
    counter_only = make.post(mobile_payment_enabled=False)
    service = make.service_type(processing_days=5)
    make.fee(counter_only.code, service.code, "60")
    officer = make.staff("officer", posts=[counter_only.code])
    owned = owned_application(app, make, post=counter_only, service=service, officer=officer)
    body = _mine(client, owned)
    assert body["payment"]["state"] == "pay_at_post"
    assert body["payment"]["fee"]["amount_minor"] == 6000
    assert body["next_action"] == "upload_documents"  # not "pay": the app cannot take it

    free_post = make.post()
    free = make.service_type(processing_days=5)
    make.fee(free_post.code, free.code, "0")
    free_owned = owned_application(
        app,
        make,
        post=free_post,
        service=free,
        officer=make.staff("officer", posts=[free_post.code]),
    )
    assert _mine(client, free_owned)["payment"]["state"] == "not_required"

    # Withdrawn before paying: nothing is due and nothing is expected.
    withdrawn = owned_application(app, make)
    client.post(
        f"/api/v1/applications/{withdrawn.application_id}/withdraw",
        json={},
        headers=withdrawn.headers,
    )
    body = _mine(client, withdrawn)
    assert (body["state"], body["payment"]["state"], body["next_action"]) == (
        "withdrawn",
        "not_due",
        "none",
    )


def test_a_page_costs_the_same_few_queries_whatever_its_length(app, client, make):
    owned = owned_application(app, make)
    for _ in range(5):
        owned_application(app, make, post=owned.post, service=owned.service, officer=owned.officer)
    # All six belong to different citizens; give them to one to list them together.
    from sqlalchemy import update

    from services.models import Application

    with app.app_context():
        db.session.execute(update(Application).values(account_id=owned.citizen.id))
        db.session.commit()

    def statements(page_size: int) -> int:
        seen = []
        with app.app_context():
            engine = db.engine

        def count(*_args, **_kwargs):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(
                f"/api/v1/applications?page_size={page_size}", headers=owned.headers
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200 and len(response.get_json()) == page_size
        return len(seen)

    assert statements(6) == statements(1)
