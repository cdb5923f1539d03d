"""build_object_store picks the backend from settings; base helpers behave."""

from __future__ import annotations

import pytest

from storage import (
    ObjectStore,
    StorageUnavailable,
    UploadPolicyViolation,
    build_object_store,
    content_disposition,
    validate_key,
)
from storage.local import LocalObjectStore
from storage.s3 import S3ObjectStore


def test_local_backend(tmp_path):
    store = build_object_store(
        {
            "STORAGE_BACKEND": "local",
            "STORAGE_LOCAL_ROOT": str(tmp_path / "objects"),
            "STORAGE_SIGNING_SECRET": "dev-only-storage-signing-secret",  # str is accepted
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        }
    )
    assert isinstance(store, LocalObjectStore) and isinstance(store, ObjectStore)
    assert (tmp_path / "objects" / "data").is_dir()
    upload = store.presign_upload(
        key="a/b.jpg", content_type="image/jpeg", min_size=1, max_size=9, expires_in=60
    )
    assert upload.url == "http://127.0.0.1:5000/api/v1/storage/local-upload"


def test_s3_backend_builds_without_network():
    store = build_object_store(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "consular-docs",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "S3_REGION": "eu-west-3",
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert isinstance(store, S3ObjectStore) and store.bucket == "consular-docs"
    url = store.presign_download(key="a/b.jpg", expires_in=60)
    assert url.startswith("http://127.0.0.1:9/consular-docs/a/b.jpg?")
    assert "eu-west-3" in url  # the region is part of the SigV4 credential scope


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"STORAGE_BACKEND": "gcs"},
        {"STORAGE_BACKEND": "s3"},  # no bucket
        {"STORAGE_BACKEND": "local", "PUBLIC_BASE_URL": "http://x"},  # no root, no secret
        {
            "STORAGE_BACKEND": "local",
            "STORAGE_LOCAL_ROOT": "/tmp/x",
            "STORAGE_SIGNING_SECRET": "short",
            "PUBLIC_BASE_URL": "http://x",
        },
    ],
)
def test_misconfiguration_raises_value_error(settings):
    with pytest.raises(ValueError):
        build_object_store(settings)


def test_validate_key():
    assert validate_key("applications/42/photo-0f3c_v2.jpg") == "applications/42/photo-0f3c_v2.jpg"
    for bad in ("", "/a", "a/", "a//b", "../a", "a/..", "a/.b", "a b", "a\nb", "é", "x" * 513):
        with pytest.raises(ValueError):
            validate_key(bad)


def test_content_disposition():
    assert content_disposition("photo.jpg") == 'attachment; filename="photo.jpg"'
    assert content_disposition("C:\\Users\\me\\reçu.pdf") == (
        "attachment; filename=\"recu.pdf\"; filename*=UTF-8''re%C3%A7u.pdf"
    )
    header = content_disposition("a\r\nSet-Cookie: x.pdf")
    assert "\r" not in header and "\n" not in header
    assert content_disposition("") == 'attachment; filename="download"'


def test_error_attributes():
    assert StorageUnavailable("down").retryable is True
    violation = UploadPolicyViolation("too_large", "1001 bytes")
    assert (violation.reason, violation.retryable, str(violation)) == (
        "too_large",
        False,
        "1001 bytes",
    )
