"""The phone's real HTTP exchanges, end to end through the API:

- local store: the app on 127.0.0.1 (``live_server``); the multipart POST goes to our own
  upload route, the download to our own token link;
- S3: boto3 against moto's S3 server on 127.0.0.1: presign via the API, multipart POST to
  moto with requests, confirm via the API (head/read/write/delete through boto3), download
  through the presigned GET. moto enforces neither the policy nor expiry nor signatures, so
  the policy document the API hands out is decoded and checked here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from storage import ObjectNotFound
from storage.local import DOWNLOAD_PATH, UPLOAD_PATH, LocalObjectStore
from storage.s3 import S3ObjectStore
from tests.services.documents.support import gps_of, image_bytes, pdf_bytes
from tests.storage.moto_support import CREDS, admin, loopback_session, moto_server, new_bucket


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with loopback_session() as session:
        yield session


def _api(http, base: str, method: str, path: str, headers: dict, **kwargs) -> requests.Response:
    return http.request(method, base + "/api/v1" + path, headers=headers, timeout=10, **kwargs)


def _upload(http, upload: dict, payload: bytes, content_type: str) -> requests.Response:
    # requests sends `data` fields before `files`: the file is the last part, as S3 requires.
    return http.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("upload.bin", payload, content_type)},
        timeout=10,
    )


# --- the local store over real HTTP ------------------------------------------------------


def test_local_store_over_real_http(live_server, make, http, tmp_path, use_store):
    store = use_store(
        LocalObjectStore(root=tmp_path, secret=b"live" * 8, public_base_url=live_server)
    )
    headers = make.auth(make.citizen())
    applicant = _api(
        http, live_server, "POST", "/applicants", headers, json=make.applicant_payload()
    )
    applicant_id = applicant.json()["id"]
    photo = image_bytes((600, 600), gps=True)

    asked = _api(
        http,
        live_server,
        "POST",
        f"/applicants/{applicant_id}/documents",
        headers,
        json={"kind": "photo", "content_type": "image/jpeg", "size": len(photo)},
    )
    assert asked.status_code == 201, asked.text
    document, upload = asked.json()["document"], asked.json()["upload"]
    assert upload["url"] == live_server + UPLOAD_PATH

    too_big = _upload(http, upload, photo + b"\0", "image/jpeg")
    assert too_big.status_code == 403 and too_big.json()["errors"] == {"reason": "too_large"}
    posted = _upload(http, upload, photo, "image/jpeg")
    assert posted.status_code == 204, posted.text

    confirmed = _api(http, live_server, "POST", f"/documents/{document['id']}/confirm", headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "accepted"

    link = _api(http, live_server, "GET", f"/documents/{document['id']}/download", headers)
    assert link.status_code == 200 and link.json()["url"].startswith(live_server + DOWNLOAD_PATH)
    downloaded = http.get(link.json()["url"], timeout=10)
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == confirmed.json()["sha256"]
    assert gps_of(downloaded.content) == {}
    assert downloaded.headers["Content-Type"] == "image/jpeg"
    assert downloaded.headers["Content-Disposition"] == (
        f'attachment; filename="photo-{document["id"]}.jpg"'
    )
    assert downloaded.headers["Cache-Control"] == "private, no-store"
    with pytest.raises(ObjectNotFound):
        store.head(key=upload["fields"]["key"])  # only the clean copy is kept


# --- S3 (boto3) against moto on 127.0.0.1 ------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint(http) -> Iterator[str]:
    with moto_server(http) as url:
        yield url


@pytest.fixture
def s3(moto_endpoint, use_store) -> S3ObjectStore:
    bucket = new_bucket(moto_endpoint)
    return use_store(S3ObjectStore(bucket=bucket, endpoint_url=moto_endpoint, **CREDS))


def _ask(client, headers, applicant_id, kind, content_type, size):
    response = client.post(
        f"/api/v1/applicants/{applicant_id}/documents",
        json={"kind": kind, "content_type": content_type, "size": size},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _keys(endpoint: str, bucket: str) -> list[str]:
    listed = admin(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_s3_presign_post_confirm_download(client, owner, s3, moto_endpoint, http):
    headers, applicant_id = owner
    photo = image_bytes((700, 900), gps=True)
    body = _ask(client, headers, applicant_id, "photo", "image/jpeg", len(photo))
    document, upload = body["document"], body["upload"]
    assert upload["url"] == f"{moto_endpoint}/{s3.bucket}"
    key = upload["fields"]["key"]

    # The policy the phone carries (moto does not enforce it, S3 does).
    policy = S3ObjectStore.decode_policy(upload["fields"])
    conditions = policy["conditions"]
    assert {"key": key} in conditions and {"bucket": s3.bucket} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 20 * 1024, len(photo)] in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=4) < expiration - datetime.now(UTC) <= timedelta(minutes=5, seconds=1)
    assert upload["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"

    posted = _upload(http, upload, photo, "image/jpeg")
    assert posted.status_code == 204, posted.text
    assert _keys(moto_endpoint, s3.bucket) == [key]

    confirmed = client.post(f"/api/v1/documents/{document['id']}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.get_json()
    accepted = confirmed.get_json()
    (stored_key,) = _keys(moto_endpoint, s3.bucket)  # the upload is gone, the clean copy stays
    assert stored_key.startswith(f"documents/applicants/{applicant_id}/")
    head = admin(moto_endpoint).head_object(Bucket=s3.bucket, Key=stored_key)
    assert head["ContentType"] == "image/jpeg" and head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] == accepted["stored_size"]

    link = client.get(f"/api/v1/documents/{document['id']}/download", headers=headers)
    assert link.status_code == 200
    url = link.get_json()["url"]
    assert url.startswith(f"{moto_endpoint}/{s3.bucket}/{stored_key}?")
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    downloaded = http.get(url, timeout=10)
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == accepted["sha256"]
    assert gps_of(photo) and gps_of(downloaded.content) == {}
    assert f"photo-{document['id']}.jpg" in downloaded.headers.get("Content-Disposition", "")

    deleted = client.delete(f"/api/v1/documents/{document['id']}", headers=headers)
    assert deleted.status_code == 204 and _keys(moto_endpoint, s3.bucket) == []


def test_s3_rejections_and_missing_upload(client, owner, s3, moto_endpoint, http):
    headers, applicant_id = owner
    pdf = pdf_bytes()
    body = _ask(client, headers, applicant_id, "supporting", "image/png", len(pdf))
    url = f"/api/v1/documents/{body['document']['id']}/confirm"
    missing = client.post(url, headers=headers)
    assert (missing.status_code, missing.get_json()["error"]) == (409, "upload_missing")

    assert _upload(http, body["upload"], pdf, "image/png").status_code == 204
    refused = client.post(url, headers=headers)
    assert refused.status_code == 422
    assert [c["code"] for c in refused.get_json()["errors"]["checks"]] == ["content_type_mismatch"]
    assert _keys(moto_endpoint, s3.bucket) == []  # the refused file is not kept


def test_s3_unencrypted_object_is_rejected(client, owner, moto_endpoint, http, use_store):
    """A bucket without default encryption: moto ignores the POST's SSE field, so the object
    is stored in the clear and head() says so; the document is refused."""
    bucket = new_bucket(moto_endpoint, default_encryption=False)
    use_store(S3ObjectStore(bucket=bucket, endpoint_url=moto_endpoint, **CREDS))
    headers, applicant_id = owner
    pdf = pdf_bytes()
    body = _ask(client, headers, applicant_id, "supporting", "application/pdf", len(pdf))
    assert _upload(http, body["upload"], pdf, "application/pdf").status_code == 204
    refused = client.post(f"/api/v1/documents/{body['document']['id']}/confirm", headers=headers)
    assert refused.status_code == 422
    assert [c["code"] for c in refused.get_json()["errors"]["checks"]] == ["not_encrypted"]
