"""Requests the rules refuse (422 before any URL is made) and ownership (another citizen, or
an officer, gets 404 on every route)."""

from __future__ import annotations

import pytest

from tests.services.documents.support import (
    applicant,
    pdf_bytes,
    request_upload,
    upload_and_confirm,
)

MiB = 1024 * 1024


class _RecordingStore:
    """Wraps the real store and records every call."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        (
            {"kind": "selfie", "content_type": "image/jpeg", "size": 50_000},
            "validation_error",
            "kind",
        ),
        (
            {"kind": "photo", "content_type": "application/pdf", "size": 50_000},
            "document_type_not_allowed",
            "content_type",
        ),
        (
            {"kind": "photo", "content_type": "image/gif", "size": 50_000},
            "validation_error",
            "content_type",
        ),
        (
            {"kind": "supporting", "content_type": "text/html", "size": 500},
            "validation_error",
            "content_type",
        ),
        (
            {"kind": "photo", "content_type": "image/jpeg", "size": 1_000},
            "document_size_out_of_range",
            "size",
        ),
        (
            {"kind": "photo", "content_type": "image/png", "size": 11 * MiB},
            "document_size_out_of_range",
            "size",
        ),
        (
            {"kind": "supporting", "content_type": "application/pdf", "size": 21 * MiB},
            "validation_error",
            "size",
        ),
        (
            {"kind": "supporting", "content_type": "application/pdf", "size": 0},
            "validation_error",
            "size",
        ),
        (
            {"kind": "supporting", "content_type": "application/pdf", "size": "500"},
            "validation_error",
            "size",
        ),
        ({"kind": "supporting", "content_type": "application/pdf"}, "validation_error", "size"),
        (
            {"kind": "photo", "content_type": "image/jpeg", "size": 50_000, "key": "x"},
            "validation_error",
            "key",
        ),
    ],
)
def test_refused_before_any_url_is_made(client, owner, store, use_store, payload, error, field):
    headers, applicant_id = owner
    spy = use_store(_RecordingStore(store))
    url = f"/api/v1/applicants/{applicant_id}/documents"
    response = client.post(url, json=payload, headers={**headers, "Accept-Language": "zh-Hans"})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == error
    assert field in body["errors"]["json"]
    assert spy.calls == []
    assert client.get(url, headers=headers).get_json() == []


def test_refusal_messages_name_the_limits(client, owner):
    headers, applicant_id = owner
    wrong_type = request_upload(client, headers, applicant_id, "photo", "application/pdf", 50_000)
    assert wrong_type.get_json()["message"] == (
        "This type of file cannot be uploaded as a photo. Allowed: image/jpeg, image/png."
    )
    too_small = request_upload(client, headers, applicant_id, "photo", "image/jpeg", 10)
    assert too_small.get_json()["message"] == "A photo must be between 20480 and 10485760 bytes."


def test_documents_per_applicant_are_capped(client, owner, monkeypatch):
    from services.documents import documents

    monkeypatch.setattr(documents, "MAX_DOCUMENTS_PER_APPLICANT", 2)
    headers, applicant_id = owner
    for _ in range(2):
        assert (
            request_upload(
                client, headers, applicant_id, "supporting", "application/pdf", 9
            ).status_code
            == 201
        )
    capped = request_upload(client, headers, applicant_id, "supporting", "application/pdf", 9)
    assert capped.status_code == 409 and capped.get_json()["error"] == "document_limit_reached"


def test_another_citizen_gets_404_everywhere(make, client, owner):
    headers, applicant_id = owner
    accepted = upload_and_confirm(
        client, headers, applicant_id, "supporting", "application/pdf", pdf_bytes()
    )
    pending = request_upload(client, headers, applicant_id, "supporting", "application/pdf", 100)
    accepted_id = accepted.get_json()["id"]
    pending_id = pending.get_json()["document"]["id"]

    intruders = [
        make.auth(make.citizen()),
        make.auth(make.staff("officer", posts=[make.post().code])),
        make.auth(make.staff("admin")),
    ]
    own_applicant = applicant(make, client, intruders[0])
    for intruder in intruders:
        listed = client.get(f"/api/v1/applicants/{applicant_id}/documents", headers=intruder)
        assert (listed.status_code, listed.get_json()["error"]) == (404, "applicant_not_found")
        asked = request_upload(client, intruder, applicant_id, "photo", "image/jpeg", 50_000)
        assert (asked.status_code, asked.get_json()["error"]) == (404, "applicant_not_found")
        for document_id in (accepted_id, pending_id):
            base = f"/api/v1/documents/{document_id}"
            for response in (
                client.get(base, headers=intruder),
                client.get(base + "/download", headers=intruder),
                client.post(base + "/confirm", headers=intruder),
                client.delete(base, headers=intruder),
            ):
                assert response.status_code == 404, response.get_json()
                assert response.get_json()["error"] == "document_not_found"
    mine = client.get(f"/api/v1/applicants/{own_applicant}/documents", headers=intruders[0])
    assert mine.status_code == 200 and mine.get_json() == []

    # Nothing changed for the owner.
    assert (
        client.get(f"/api/v1/documents/{accepted_id}", headers=headers).get_json()["status"]
        == "accepted"
    )
    assert client.get(f"/api/v1/documents/{pending_id}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/v1/documents/{accepted_id}/download", headers=headers).status_code == 200
    )


def test_every_route_needs_a_login(client, owner):
    _headers, applicant_id = owner
    for method, url in (
        ("get", f"/api/v1/applicants/{applicant_id}/documents"),
        ("post", f"/api/v1/applicants/{applicant_id}/documents"),
        ("get", "/api/v1/documents/1"),
        ("delete", "/api/v1/documents/1"),
        ("post", "/api/v1/documents/1/confirm"),
        ("get", "/api/v1/documents/1/download"),
    ):
        response = getattr(client, method)(url, json={} if method == "post" else None)
        assert response.status_code == 401, url
