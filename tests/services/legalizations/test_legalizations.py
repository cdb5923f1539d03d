"""Officers' legalization records: create, list, get, revoke, post scoping, staff-only routes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

STAFF = "/api/v1/staff"
CREATE = STAFF + "/legalizations"


def payload(post_code: str, **overrides) -> dict:
    data = {
        "post": post_code,
        "authentication_number": " ab-2026/0001 ",
        "sub_number": "1",
        "sticker_number": "st 000123",
        "submitter_kind": "person",
        "submitter_name": "Nguyễn Văn An",
        "country_of_use": "VN",
        "document_type": "education",
        "document_title": "Bằng tốt nghiệp đại học",
        "issuer": "Université Paris Cité",
        "signer": "Marie Curie",
        "legalized_on": (date.today() - timedelta(days=3)).isoformat(),
        "notes": "Submitted with the original; checked by the desk.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(make):
    return make.post(city="Lyon")


@pytest.fixture
def officer(make, post):
    return make.staff("officer", posts=[post.code])


def audit_rows(app, action):
    from sqlalchemy import select

    from services.core.db import db
    from services.models import AuditLog

    with app.app_context():
        return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def count_records(app) -> int:
    from sqlalchemy import func, select

    from services.core.db import db
    from services.models import Legalization

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Legalization))


def test_officer_records_reads_and_lists_a_legalization(app, client, make, post, officer):
    headers = make.auth(officer)
    created = client.post(CREATE, json=payload(post.code), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    # Numbers are stored normalised: trimmed, inner whitespace collapsed, upper case.
    assert body["authentication_number"] == "AB-2026/0001"
    assert body["sticker_number"] == "ST 000123"
    assert body["post"] == post.code
    assert body["place"] == "Lyon"  # the post's city when none is given
    assert body["status"] == "valid"
    assert body["revoked_at"] is None
    assert body["created_by_id"] == officer.id
    assert body["document_title"] == "Bằng tốt nghiệp đại học"

    got = client.get(f"{CREATE}/{body['id']}", headers=headers)
    assert got.status_code == 200
    assert got.get_json()["notes"] == "Submitted with the original; checked by the desk."

    listed = client.get(f"{STAFF}/posts/{post.code}/legalizations", headers=headers)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()] == [body["id"]]
    by_number = client.get(
        f"{STAFF}/posts/{post.code}/legalizations",
        query_string={"authentication_number": "ab-2026/0001"},
        headers=headers,
    )
    assert [item["id"] for item in by_number.get_json()] == [body["id"]]

    [audit] = audit_rows(app, "legalization.create")
    assert (audit.actor_id, audit.post_id, audit.target_id) == (
        officer.id,
        post.id,
        str(body["id"]),
    )


def test_the_same_three_numbers_cannot_be_recorded_twice(client, make, post, officer):
    headers = make.auth(officer)
    assert client.post(CREATE, json=payload(post.code), headers=headers).status_code == 201
    again = client.post(
        CREATE,
        json=payload(post.code, authentication_number="AB-2026/0001", sticker_number="ST  000123"),
        headers=headers,
    )
    assert again.status_code == 409
    assert again.get_json()["error"] == "legalization_exists"
    # Another sticker for the same authentication number is a different record.
    other = client.post(
        CREATE, json=payload(post.code, sticker_number="ST 000124"), headers=headers
    )
    assert other.status_code == 201


def test_create_is_idempotent_with_a_key(app, client, make, post, officer):
    headers = {**make.auth(officer), "Idempotency-Key": "legal-create-1"}
    first = client.post(CREATE, json=payload(post.code), headers=headers)
    second = client.post(CREATE, json=payload(post.code), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["id"] == first.get_json()["id"]
    assert count_records(app) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country_of_use": "XX"}, "country_of_use"),
        ({"country_of_use": "vn"}, "country_of_use"),
        ({"document_type": "passport"}, "document_type"),
        ({"submitter_kind": "company"}, "submitter_kind"),
        ({"sticker_number": ""}, "sticker_number"),
        ({"signer": "x" * 121}, "signer"),
        ({"legalized_on": (date.today() + timedelta(days=2)).isoformat()}, "legalized_on"),
        ({"sub_number": "   "}, "sub_number"),
        ({"issuer": "Bad\x07bell"}, "issuer"),
    ],
)
def test_invalid_records_are_refused_field_by_field(app, client, make, overrides, field):
    post = make.post()
    officer = make.staff("officer", posts=[post.code])
    response = client.post(CREATE, json=payload(post.code, **overrides), headers=make.auth(officer))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "validation_error"
    assert field in body["errors"]["json"]
    assert count_records(app) == 0


def test_revocation_keeps_the_record_and_audits_who(app, client, make, post, officer):
    headers = make.auth(officer)
    record = make.legalization(post)
    revoked = client.post(
        f"{CREATE}/{record.id}/revoke",
        json={"reason": "Seal reported stolen by the issuing notary"},
        headers=headers,
    )
    assert revoked.status_code == 200, revoked.get_json()
    body = revoked.get_json()
    assert body["status"] == "revoked"
    assert body["revoked_at"] is not None
    assert body["revoked_by_id"] == officer.id
    assert body["revoked_reason"] == "Seal reported stolen by the issuing notary"
    assert body["authentication_number"] == record.authentication_number

    again = client.post(f"{CREATE}/{record.id}/revoke", json={"reason": "twice"}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"] == "legalization_already_revoked"

    [audit] = audit_rows(app, "legalization.revoke")
    assert audit.actor_id == officer.id
    assert audit.post_id == post.id
    assert audit.details == {"reason": "Seal reported stolen by the issuing notary"}

    valid = client.get(
        f"{STAFF}/posts/{post.code}/legalizations",
        query_string={"status": "valid"},
        headers=headers,
    )
    assert valid.get_json() == []
    revoked_list = client.get(
        f"{STAFF}/posts/{post.code}/legalizations",
        query_string={"status": "revoked"},
        headers=headers,
    )
    assert [item["id"] for item in revoked_list.get_json()] == [record.id]


def test_unknown_record_is_a_404_for_staff(client, make, officer):
    response = client.get(f"{CREATE}/999999", headers=make.auth(officer))
    assert response.status_code == 404
    assert response.get_json()["error"] == "legalization_not_found"


def test_an_officer_of_another_post_can_neither_read_nor_change(app, client, make, post):
    record = make.legalization(post)
    other_post = make.post()
    outsider = make.staff("officer", posts=[other_post.code])
    headers = make.auth(outsider)
    csv_body = b"authentication_number,sub_number\n"

    attempts = [
        client.post(CREATE, json=payload(post.code), headers=headers),
        client.get(f"{STAFF}/posts/{post.code}/legalizations", headers=headers),
        client.get(f"{CREATE}/{record.id}", headers=headers),
        client.post(f"{CREATE}/{record.id}/revoke", json={"reason": "not mine"}, headers=headers),
        client.post(
            f"{STAFF}/posts/{post.code}/legalizations/import",
            data=csv_body,
            content_type="text/csv",
            headers=headers,
        ),
        client.get(f"{CREATE}/{record.id}/verification-link", headers=headers),
        client.get(f"{CREATE}/{record.id}/qr.svg", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 403, (response.request.path, response.get_json())
        assert response.get_json()["error"] == "post_scope_forbidden"

    # Their own post's list does not contain the other post's record.
    own = client.get(f"{STAFF}/posts/{other_post.code}/legalizations", headers=headers)
    assert own.status_code == 200 and own.get_json() == []
    assert count_records(app) == 1
    assert audit_rows(app, "legalization.revoke") == []
    admin = make.staff("admin")
    still_valid = client.get(f"{CREATE}/{record.id}", headers=make.auth(admin))
    assert still_valid.status_code == 200
    assert still_valid.get_json()["status"] == "valid"


def test_an_admin_may_act_on_any_post(client, make, post):
    admin = make.staff("admin")
    response = client.post(CREATE, json=payload(post.code), headers=make.auth(admin))
    assert response.status_code == 201


STAFF_ROUTES = [
    ("post", CREATE, {"json": {}}),
    ("get", STAFF + "/posts/{code}/legalizations", {}),
    ("get", CREATE + "/{id}", {}),
    ("post", CREATE + "/{id}/revoke", {"json": {"reason": "because"}}),
    (
        "post",
        STAFF + "/posts/{code}/legalizations/import",
        {"data": b"a,b\n", "content_type": "text/csv"},
    ),
    ("get", CREATE + "/{id}/verification-link", {}),
    ("get", CREATE + "/{id}/qr.svg", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), STAFF_ROUTES)
def test_anonymous_and_citizens_cannot_use_staff_routes(client, make, post, method, path, kwargs):
    record = make.legalization(post)
    url = path.format(code=post.code, id=record.id)
    anonymous = getattr(client, method)(url, **kwargs)
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"] == "unauthorized"
    citizen = make.citizen()
    as_citizen = getattr(client, method)(url, headers=make.auth(citizen), **kwargs)
    assert as_citizen.status_code == 403
    assert as_citizen.get_json()["error"] == "forbidden"
