"""Officers read an applicant's documents through an application at their post: the
accepted ones only, read-only, every download audited; anyone else learns nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from services.core.db import db
from tests.services.documents.support import (
    applicant,
    image_bytes,
    pdf_bytes,
    request_upload,
    upload_and_confirm,
)

STAFF = "/api/v1/staff/applications"


def _last_document_id(app) -> int:
    from sqlalchemy import func, select

    from services.models import Document

    with app.app_context():
        return db.session.scalar(select(func.max(Document.id)))


def _open_application(app, officer, citizen, post, service, applicant_id) -> tuple[int, str]:
    """(id, number) of an application the officer opens for the citizen's applicant."""
    from services.applications import applications
    from services.models import Account

    with app.app_context():
        application = applications.open_for_applicant(
            db.session.get(Account, officer.id),
            post.code,
            db.session.get(Account, citizen.id),
            applicant_id,
            {"service": service.code},
        )
        return application.id, application.number


@pytest.fixture
def case(app, make, client):
    """A citizen with two applicants, documents in every state, and an application for the
    first applicant opened at a walk-in post by one of its officers."""

    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    citizen = make.citizen()
    owner = make.auth(citizen)
    first = applicant(make, client, owner)
    child = make.applicant_payload(
        relationship="child", given_names_latin="Thi Lan", date_of_birth="2016-03-02"
    )
    child.pop("passport_number")
    second = client.post("/api/v1/applicants", json=child, headers=owner).get_json()["id"]

    def accepted(applicant_id, kind, content_type, payload):
        confirmed = upload_and_confirm(client, owner, applicant_id, kind, content_type, payload)
        assert confirmed.status_code == 200, confirmed.get_json()
        return confirmed.get_json()["id"]

    photo = accepted(first, "photo", "image/jpeg", image_bytes())
    pdf = pdf_bytes()
    letter = accepted(first, "supporting", "application/pdf", pdf)
    tiny = upload_and_confirm(client, owner, first, "photo", "image/jpeg", image_bytes((350, 450)))
    assert tiny.status_code == 422
    rejected = _last_document_id(app)
    pending = request_upload(client, owner, first, "supporting", "application/pdf", 100)
    pending = pending.get_json()["document"]["id"]
    sibling = accepted(second, "supporting", "application/pdf", pdf_bytes())
    application_id, number = _open_application(app, officer, citizen, post, service, first)
    return {
        "post": post,
        "officer": make.auth(officer),
        "owner": owner,
        "application": application_id,
        "number": number,
        "photo": photo,
        "letter": letter,
        "pdf": pdf,
        "rejected": rejected,
        "pending": pending,
        "sibling": sibling,
    }


def test_officers_of_the_post_list_and_download_the_accepted_documents(client, make, case):
    officer = case["officer"]
    owner_view = "/api/v1/documents/{}/staff-downloads"
    assert client.get(owner_view.format(case["letter"]), headers=case["owner"]).get_json() == []
    listed = client.get(f"{STAFF}/{case['application']}/documents", headers=officer)
    assert listed.status_code == 200, listed.get_json()
    # accepted only, of this application's applicant only, oldest first
    assert [d["id"] for d in listed.get_json()] == [case["photo"], case["letter"]]
    assert {d["status"] for d in listed.get_json()} == {"accepted"}
    photos = client.get(
        f"{STAFF}/{case['application']}/documents", query_string={"kind": "photo"}, headers=officer
    )
    assert [d["id"] for d in photos.get_json()] == [case["photo"]]

    link = client.get(
        f"{STAFF}/{case['application']}/documents/{case['letter']}/download", headers=officer
    )
    assert link.status_code == 200, link.get_json()
    assert link.headers["Cache-Control"] == "private, no-store"
    downloaded = client.get(urlsplit(link.get_json()["url"]).path)
    assert downloaded.status_code == 200 and downloaded.data == case["pdf"]

    admin = make.auth(make.staff("admin"))
    assert (
        client.get(
            f"{STAFF}/{case['application']}/documents/{case['photo']}/download", headers=admin
        ).status_code
        == 200
    )

    # Each link given is in the post's audit log: who, which document, which application.
    log = client.get(f"/api/v1/staff/posts/{case['post'].code}/audit-log", headers=officer)
    downloads = [e for e in log.get_json() if e["action"] == "document.download"]
    assert sorted(
        (e["actor_role"], e["target_id"], e["details"]["application"]) for e in downloads
    ) == sorted(
        [
            ("officer", str(case["letter"]), case["number"]),
            ("admin", str(case["photo"]), case["number"]),
        ]
    )
    # The owner sees when and from which post (not which officer); nobody else sees it.
    for document in ("letter", "photo"):
        seen = client.get(owner_view.format(case[document]), headers=case["owner"])
        assert seen.status_code == 200
        assert [d["post"] for d in seen.get_json()] == [case["post"].code]
        assert set(seen.get_json()[0]) == {"post", "at"}
    for headers in (officer, admin, make.auth(make.citizen())):
        assert client.get(owner_view.format(case["letter"]), headers=headers).status_code == 404


@pytest.mark.parametrize("which", ["rejected", "pending", "sibling", "missing"])
def test_no_other_document_is_reachable_through_the_application(client, case, which):
    # Not accepted, another applicant's (even of the same owner), or none at all: one 404.
    document = 999_999 if which == "missing" else case[which]
    response = client.get(
        f"{STAFF}/{case['application']}/documents/{document}/download", headers=case["officer"]
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "document_not_found"


def test_officers_elsewhere_and_citizens_are_refused_and_nobody_else_is_audited(
    app, client, make, case
):
    from sqlalchemy import select

    from services.models import AuditLog

    elsewhere = make.auth(make.staff("officer", posts=[make.post().code]))
    list_url = f"{STAFF}/{case['application']}/documents"
    download_url = f"{list_url}/{case['photo']}/download"
    for headers, status in ((elsewhere, 403), (case["owner"], 403), ({}, 401)):
        assert client.get(list_url, headers=headers).status_code == status
        assert client.get(download_url, headers=headers).status_code == status
    assert client.get(f"{STAFF}/999999/documents", headers=case["officer"]).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action)).all()
    assert "document.download" not in actions


def test_officers_cannot_change_or_use_the_owners_routes(client, case):
    # Read-only, and only through the application: the owner's routes stay the owner's.
    officer = case["officer"]
    document = case["photo"]
    assert client.get(f"/api/v1/documents/{document}", headers=officer).status_code == 404
    assert client.delete(f"/api/v1/documents/{document}", headers=officer).status_code == 404
    assert client.get(f"/api/v1/documents/{document}/download", headers=officer).status_code == 404
    assert client.get(f"/api/v1/documents/{document}", headers=case["owner"]).status_code == 200


def test_an_application_without_an_applicant_has_no_documents(client, make):
    post, service = make.walk_in_post()
    officer = make.auth(make.staff("officer", posts=[post.code]))
    opened = client.post(
        f"/api/v1/staff/posts/{post.code}/applications/walk-in",
        json={
            "service": service.code,
            "person": {
                "surname_latin": "Tran",
                "given_names_latin": "Thi Binh",
                "date_of_birth": "1985-02-01",
            },
        },
        headers=officer,
    )
    assert opened.status_code == 201, opened.get_json()
    listed = client.get(f"{STAFF}/{opened.get_json()['id']}/documents", headers=officer)
    assert listed.status_code == 200 and listed.get_json() == []


def test_a_deleted_applicant_takes_the_application_s_access_with_them(app, client, make):
    # The application stays (a record), but reaches no documents any more: in particular
    # not those of a new applicant who might get the deleted one's id back (SQLite reuses
    # the highest id, and does not enforce the foreign key's SET NULL by itself).
    from services.models import Application

    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    citizen = make.citizen()
    owner = make.auth(citizen)
    gone = applicant(make, client, owner)
    photo = upload_and_confirm(client, owner, gone, "photo", "image/jpeg", image_bytes())
    assert photo.status_code == 200
    application_id, _number = _open_application(app, officer, citizen, post, service, gone)
    gone_link = f"{STAFF}/{application_id}/documents/{photo.get_json()['id']}/download"
    assert client.get(gone_link, headers=make.auth(officer)).status_code == 200
    assert client.delete(f"/api/v1/applicants/{gone}", headers=owner).status_code == 204
    newcomer = applicant(make, client, owner)
    letter = upload_and_confirm(
        client, owner, newcomer, "supporting", "application/pdf", pdf_bytes()
    )
    assert letter.status_code == 200

    headers = make.auth(officer)
    listed = client.get(f"{STAFF}/{application_id}/documents", headers=headers)
    assert listed.status_code == 200 and listed.get_json() == []
    link = f"{STAFF}/{application_id}/documents/{letter.get_json()['id']}/download"
    assert client.get(link, headers=headers).status_code == 404
    with app.app_context():
        assert db.session.get(Application, application_id).applicant_id is None
    # The new document may have the old one's id (SQLite): the old downloads are not its.
    downloads = client.get(
        f"/api/v1/documents/{letter.get_json()['id']}/staff-downloads", headers=owner
    )
    assert downloads.status_code == 200 and downloads.get_json() == []
