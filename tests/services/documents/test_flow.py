"""The whole document flow through the API on the embedded local store (Flask test client):
ask, upload with the signed form, confirm, read, list, download, delete."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from storage import ObjectNotFound
from storage.local import DOWNLOAD_PATH, UPLOAD_PATH
from storage.policy import decode_policy
from tests.services.documents.support import (
    gps_of,
    image_bytes,
    pdf_bytes,
    post_local,
    request_upload,
    upload_and_confirm,
)


def _document_row(app, document_id):
    from services.core.db import db
    from services.models import Document

    with app.app_context():
        document = db.session.get(Document, document_id)
        db.session.expunge(document)
        return document


def test_photo_flow_on_the_local_store(app, client, owner, store):
    headers, applicant_id = owner
    photo = image_bytes((700, 900), gps=True)
    asked = request_upload(client, headers, applicant_id, "photo", "image/jpeg", len(photo))
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    document, upload = body["document"], body["upload"]
    assert document["status"] == "pending_upload"
    assert (document["kind"], document["content_type"]) == ("photo", "image/jpeg")
    assert document["declared_size"] == len(photo) and document["failed_checks"] == []
    assert document["sha256"] is None and document["confirmed_at"] is None
    assert urlsplit(upload["url"]).path == UPLOAD_PATH
    key = upload["fields"]["key"]
    assert key.startswith(f"uploads/applicants/{applicant_id}/") and len(key.rsplit("/")[-1]) == 32
    assert upload["fields"]["Content-Type"] == "image/jpeg"
    assert upload["fields"]["x-amz-server-side-encryption"] == "AES256"
    expires_at = datetime.fromisoformat(upload["expires_at"])
    assert (
        timedelta(minutes=4) < expires_at - datetime.now(expires_at.tzinfo) <= timedelta(minutes=5)
    )
    policy = decode_policy(upload["fields"]["policy"])
    assert {"key": key} in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert ["content-length-range", 20 * 1024, len(photo)] in policy["conditions"]
    assert asked.headers["Cache-Control"] == "private, no-store"

    assert post_local(client, upload, photo, "image/jpeg").status_code == 204
    confirmed = client.post(f"/api/v1/documents/{document['id']}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.get_json()
    accepted = confirmed.get_json()
    assert accepted["status"] == "accepted" and accepted["confirmed_at"]

    row = _document_row(app, document["id"])
    assert row.storage_key.startswith(f"documents/applicants/{applicant_id}/")
    stored = store.read(key=row.storage_key, max_bytes=10 * 1024 * 1024)
    assert accepted["sha256"] == hashlib.sha256(stored).hexdigest()
    assert accepted["stored_size"] == len(stored)
    assert gps_of(photo) and gps_of(stored) == {}  # the location is gone from the stored copy
    assert b"PhoneMaker" in photo and b"PhoneMaker" not in stored
    with pytest.raises(ObjectNotFound):
        store.head(key=key)  # the upload itself is deleted

    again = client.post(f"/api/v1/documents/{document['id']}/confirm", headers=headers)
    assert again.status_code == 200 and again.get_json() == accepted  # idempotent

    listed = client.get(f"/api/v1/applicants/{applicant_id}/documents", headers=headers)
    assert listed.status_code == 200 and [d["id"] for d in listed.get_json()] == [document["id"]]
    assert client.get(f"/api/v1/documents/{document['id']}", headers=headers).get_json() == accepted

    link = client.get(f"/api/v1/documents/{document['id']}/download", headers=headers)
    assert link.status_code == 200 and link.headers["Cache-Control"] == "private, no-store"
    url = link.get_json()["url"]
    assert urlsplit(url).path.startswith(DOWNLOAD_PATH)
    link_expiry = datetime.fromisoformat(link.get_json()["expires_at"])
    assert link_expiry - datetime.now(link_expiry.tzinfo) <= timedelta(minutes=5)
    downloaded = client.get(urlsplit(url).path)
    assert downloaded.status_code == 200 and downloaded.data == stored
    assert downloaded.mimetype == "image/jpeg"
    assert downloaded.headers["Content-Disposition"] == (
        f'attachment; filename="photo-{document["id"]}.jpg"'
    )
    assert downloaded.headers["Cache-Control"] == "private, no-store"


def test_supporting_pdf_is_kept_byte_for_byte(app, client, owner, store):
    headers, applicant_id = owner
    pdf = pdf_bytes()
    confirmed = upload_and_confirm(
        client, headers, applicant_id, "supporting", "application/pdf", pdf
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["sha256"] == hashlib.sha256(pdf).hexdigest()
    row = _document_row(app, confirmed.get_json()["id"])
    assert store.read(key=row.storage_key, max_bytes=len(pdf)) == pdf


def test_supporting_photograph_loses_its_location_too(app, client, owner, store):
    headers, applicant_id = owner
    scan = image_bytes((1200, 1600), gps=True, quality=80)
    confirmed = upload_and_confirm(client, headers, applicant_id, "supporting", "image/jpeg", scan)
    assert confirmed.status_code == 200, confirmed.get_json()
    row = _document_row(app, confirmed.get_json()["id"])
    stored = store.read(key=row.storage_key, max_bytes=20 * 1024 * 1024)
    assert gps_of(stored) == {} and b"PhoneMaker" not in stored


def test_confirm_before_upload_is_409_and_changes_nothing(client, owner):
    headers, applicant_id = owner
    photo = image_bytes()
    body = request_upload(
        client, headers, applicant_id, "photo", "image/jpeg", len(photo)
    ).get_json()
    url = f"/api/v1/documents/{body['document']['id']}/confirm"
    early = client.post(url, headers=headers)
    assert early.status_code == 409 and early.get_json()["error"] == "upload_missing"
    assert client.get(url.rsplit("/", 1)[0], headers=headers).get_json()["status"] == (
        "pending_upload"
    )
    download = client.get(url.rsplit("/", 1)[0] + "/download", headers=headers)
    assert download.status_code == 409 and download.get_json()["error"] == "document_not_accepted"

    assert post_local(client, body["upload"], photo, "image/jpeg").status_code == 204
    assert client.post(url, headers=headers).status_code == 200


def test_delete_removes_the_row_and_the_objects(app, client, owner, store):
    headers, applicant_id = owner
    confirmed = upload_and_confirm(
        client, headers, applicant_id, "photo", "image/png", image_bytes((600, 600), "PNG")
    )
    document_id = confirmed.get_json()["id"]
    row = _document_row(app, document_id)
    assert store.head(key=row.storage_key).size == confirmed.get_json()["stored_size"]

    response = client.delete(f"/api/v1/documents/{document_id}", headers=headers)
    assert response.status_code == 204
    with pytest.raises(ObjectNotFound):
        store.head(key=row.storage_key)
    gone = client.get(f"/api/v1/documents/{document_id}", headers=headers)
    assert gone.status_code == 404 and gone.get_json()["error"] == "document_not_found"
    assert client.delete(f"/api/v1/documents/{document_id}", headers=headers).status_code == 404


def test_deleting_the_applicant_deletes_their_documents(app, client, owner, store):
    headers, applicant_id = owner
    confirmed = upload_and_confirm(
        client, headers, applicant_id, "supporting", "application/pdf", pdf_bytes()
    )
    pending = request_upload(client, headers, applicant_id, "supporting", "application/pdf", 100)
    row = _document_row(app, confirmed.get_json()["id"])

    assert client.delete(f"/api/v1/applicants/{applicant_id}", headers=headers).status_code == 204
    with pytest.raises(ObjectNotFound):
        store.head(key=row.storage_key)
    for document_id in (row.id, pending.get_json()["document"]["id"]):
        assert client.get(f"/api/v1/documents/{document_id}", headers=headers).status_code == 404


def test_list_filters_and_paginates(client, owner):
    headers, applicant_id = owner
    upload_and_confirm(client, headers, applicant_id, "supporting", "application/pdf", pdf_bytes())
    request_upload(client, headers, applicant_id, "photo", "image/jpeg", 50_000)
    url = f"/api/v1/applicants/{applicant_id}/documents"
    assert [d["kind"] for d in client.get(url, headers=headers).get_json()] == [
        "supporting",
        "photo",
    ]
    photos = client.get(url + "?kind=photo", headers=headers).get_json()
    assert [d["status"] for d in photos] == ["pending_upload"]
    accepted = client.get(url + "?status=accepted", headers=headers).get_json()
    assert [d["kind"] for d in accepted] == ["supporting"]
    page = client.get(url + "?page=2&page_size=1", headers=headers)
    assert page.status_code == 200 and [d["kind"] for d in page.get_json()] == ["photo"]
    assert '"total": 2' in page.headers["X-Pagination"]
    unknown = client.get(url + "?colour=red", headers=headers)
    assert unknown.status_code == 422


def test_idempotent_request_replays_the_same_upload(client, owner):
    headers, applicant_id = owner
    keyed = {**headers, "Idempotency-Key": "photo-request-1"}
    payload = {"kind": "photo", "content_type": "image/jpeg", "size": 60_000}
    url = f"/api/v1/applicants/{applicant_id}/documents"
    first = client.post(url, json=payload, headers=keyed)
    second = client.post(url, json=payload, headers=keyed)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert len(client.get(url, headers=headers).get_json()) == 1


def test_stored_copy_hash_is_of_the_stripped_file(app, client, owner, store):
    headers, applicant_id = owner
    photo = image_bytes((600, 600), gps=True)
    confirmed = upload_and_confirm(client, headers, applicant_id, "photo", "image/jpeg", photo)
    assert confirmed.get_json()["sha256"] != hashlib.sha256(photo).hexdigest()
