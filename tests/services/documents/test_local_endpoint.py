"""The local store's upload and download routes refuse whatever breaks the signed policy or
token, in the error envelope; and they exist only when the local store is configured."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from storage.local import DOWNLOAD_PATH, UPLOAD_PATH, LocalObjectStore
from tests.services.documents.support import image_bytes, post_local, request_upload

PHOTO = image_bytes((600, 600))


@pytest.fixture
def asked(client, owner):
    headers, applicant_id = owner
    response = request_upload(client, headers, applicant_id, "photo", "image/jpeg", len(PHOTO))
    assert response.status_code == 201
    return response.get_json()


def _refused(response, reason: str) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["error"], body["errors"]) == ("upload_policy_violation", {"reason": reason})


def test_larger_than_declared_is_refused(client, asked):
    _refused(post_local(client, asked["upload"], PHOTO + b"\0" * 10, "image/jpeg"), "too_large")


def test_below_the_kind_minimum_is_refused(client, asked):
    _refused(post_local(client, asked["upload"], PHOTO[:1000], "image/jpeg"), "too_small")


def test_another_type_is_refused(client, asked):
    response = post_local(
        client, asked["upload"], PHOTO, "image/png", **{"Content-Type": "image/png"}
    )
    _refused(response, "content_type_mismatch")


def test_another_key_is_refused(client, asked):
    key = asked["upload"]["fields"]["key"].rsplit("/", 1)[0] + "/" + "0" * 32
    _refused(post_local(client, asked["upload"], PHOTO, "image/jpeg", key=key), "key_mismatch")
    _refused(
        post_local(client, asked["upload"], PHOTO, "image/jpeg", key="../../etc/passwd"),
        "invalid_key",
    )


def test_without_encryption_is_refused(client, asked):
    response = post_local(
        client, asked["upload"], PHOTO, "image/jpeg", **{"x-amz-server-side-encryption": None}
    )
    _refused(response, "encryption_required")


def test_tampered_policy_is_refused(client, asked):
    policy = json.loads(base64.b64decode(asked["upload"]["fields"]["policy"]))
    for condition in policy["conditions"]:
        if isinstance(condition, list) and condition[0] == "content-length-range":
            condition[2] = 100 * 1024 * 1024  # try to allow a bigger file
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    _refused(
        post_local(client, asked["upload"], PHOTO + b"\0" * 10, "image/jpeg", policy=forged),
        "bad_signature",
    )
    _refused(
        post_local(client, asked["upload"], PHOTO, "image/jpeg", **{"x-amz-signature": "0" * 64}),
        "bad_signature",
    )


def test_expired_policy_is_refused(app, client, owner, tmp_path, use_store):
    now = [datetime.now(UTC)]
    use_store(
        LocalObjectStore(
            root=tmp_path,
            secret=b"t" * 32,
            public_base_url="http://testserver",
            clock=lambda: now[0],
        )
    )
    headers, applicant_id = owner
    upload = request_upload(
        client, headers, applicant_id, "photo", "image/jpeg", len(PHOTO)
    ).get_json()["upload"]
    now[0] += timedelta(minutes=5, seconds=1)
    _refused(post_local(client, upload, PHOTO, "image/jpeg"), "expired")


def test_missing_file_wrong_media_type_and_oversized_body(app, client, asked, monkeypatch):
    fields = asked["upload"]["fields"]
    no_file = client.post(UPLOAD_PATH, data=dict(fields), content_type="multipart/form-data")
    assert (no_file.status_code, no_file.get_json()["error"]) == (400, "upload_file_missing")
    two_files = client.post(
        UPLOAD_PATH,
        data={**fields, "file": (io.BytesIO(PHOTO), "a.jpg"), "other": (io.BytesIO(b"x"), "b")},
        content_type="multipart/form-data",
    )
    assert two_files.status_code == 400
    as_json = client.post(UPLOAD_PATH, json=fields)
    assert (as_json.status_code, as_json.get_json()["error"]) == (415, "unsupported_media_type")

    monkeypatch.setitem(app.config, "STORAGE_LOCAL_MAX_UPLOAD_BYTES", 4096)
    too_big = post_local(client, asked["upload"], PHOTO, "image/jpeg")
    assert (too_big.status_code, too_big.get_json()["error"]) == (413, "payload_too_large")


def test_a_file_larger_than_the_json_limit_is_accepted(client, owner):
    """The app-wide 2 MiB limit is for JSON; the upload route has its own."""
    headers, applicant_id = owner
    big = b"%PDF-1.4\n" + b"%" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    upload = request_upload(
        client, headers, applicant_id, "supporting", "application/pdf", len(big)
    ).get_json()["upload"]
    assert post_local(client, upload, big, "application/pdf").status_code == 204


def test_bad_download_tokens_are_404(client, store):
    store.write(key="documents/applicants/0/kept", data=b"%PDF-x", content_type="application/pdf")
    url = store.presign_download(key="documents/applicants/0/kept", expires_in=60, filename="a.pdf")
    path = urlsplit(url).path
    assert client.get(path).status_code == 200
    body, mac = path.rsplit(".", 1)
    for bad in (
        f"{body}.{'B' if mac[0] == 'A' else 'A'}{mac[1:]}",
        DOWNLOAD_PATH + "nonsense",
        DOWNLOAD_PATH + "a.b.c",
        DOWNLOAD_PATH + "%00.%00",
    ):
        response = client.get(bad)
        assert (response.status_code, response.get_json()["error"]) == (404, "not_found"), bad
    store.delete(key="documents/applicants/0/kept")
    assert client.get(path).status_code == 404


def test_routes_exist_only_with_the_local_store(app):
    from types import SimpleNamespace

    from api.resources import register_resources

    class RecordingApi:
        def __init__(self, backend: str) -> None:
            self.app = SimpleNamespace(config={"STORAGE_BACKEND": backend})
            self.prefixes: list[str] = []

        def register_blueprint(self, blp, url_prefix: str = "") -> None:
            self.prefixes.append(url_prefix)

    on_s3, local = RecordingApi("s3"), RecordingApi("local")
    register_resources(on_s3.app, on_s3)
    register_resources(local.app, local)
    assert "/api/v1/storage" not in on_s3.prefixes and "/api/v1/storage" in local.prefixes
    assert set(local.prefixes) - set(on_s3.prefixes) == {"/api/v1/storage"}
    # and the running (local) app does serve them
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert UPLOAD_PATH in rules and DOWNLOAD_PATH + "<string:token>" in rules
