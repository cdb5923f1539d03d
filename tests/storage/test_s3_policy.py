"""The presigned-POST policy document, decoded and checked condition by condition.

moto accepts any POST, so this is the only place where we prove the phone cannot choose
another key, a bigger file, another type or skip encryption. No network: presigning is local.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.base import content_disposition
from storage.s3 import S3ObjectStore

KEY = "applications/42/photo-0f3c.jpg"


@pytest.fixture(scope="module")
def store() -> S3ObjectStore:
    # Port 9 (discard) is never contacted: presigning only signs.
    return S3ObjectStore(
        bucket="consular-docs",
        endpoint_url="http://127.0.0.1:9",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
    )


def test_policy_pins_every_condition(store):
    before = datetime.now(UTC).replace(microsecond=0)
    upload = store.presign_upload(
        key=KEY, content_type="image/jpeg", min_size=10_000, max_size=5_000_000, expires_in=300
    )
    policy = S3ObjectStore.decode_policy(upload.fields)
    conditions = policy["conditions"]

    assert {"key": KEY} in conditions
    assert sum(1 for c in conditions if isinstance(c, dict) and "key" in c) == 1
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)
    assert ["content-length-range", 10_000, 5_000_000] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    assert {"bucket": "consular-docs"} in conditions
    assert {"x-amz-algorithm": "AWS4-HMAC-SHA256"} in conditions

    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert upload.expires_at == expiration
    assert before + timedelta(seconds=300) <= expiration <= before + timedelta(seconds=302)


def test_every_prefilled_field_is_enforced_by_a_condition(store):
    # S3 ignores a Fields value unless a condition names it: check them all, so adding a
    # field without its condition fails here.
    upload = store.presign_upload(
        key=KEY, content_type="application/pdf", min_size=1, max_size=100, expires_in=60
    )
    exact = {
        name.lower(): value
        for c in S3ObjectStore.decode_policy(upload.fields)["conditions"]
        if isinstance(c, dict)
        for name, value in c.items()
    }
    signed_separately = {"policy", "x-amz-signature"}
    for name, value in upload.fields.items():
        if name.lower() in signed_separately:
            continue
        assert exact.get(name.lower()) == value, f"{name} is not enforced by the policy"
    assert upload.fields["Content-Type"] == "application/pdf"
    assert upload.fields["x-amz-server-side-encryption"] == "AES256"
    assert len(upload.fields["x-amz-signature"]) == 64  # hex SigV4 signature


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/key", "uploads/${filename}", "a//b", "a/./b", "a\\b", ""]
)
def test_unsafe_keys_are_refused_before_signing(store, key):
    with pytest.raises(ValueError):
        store.presign_upload(
            key=key, content_type="image/jpeg", min_size=1, max_size=10, expires_in=60
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_size": 10, "max_size": 5}, "size range"),
        ({"min_size": -1, "max_size": 5}, "size range"),
        ({"expires_in": 0}, "positive"),
        ({"expires_in": 8 * 24 * 3600}, "7 days"),
        ({"content_type": "image/jpeg\r\nX-Evil: 1"}, "content type"),
    ],
)
def test_bad_presign_arguments(store, kwargs, message):
    args = {
        "key": KEY,
        "content_type": "image/jpeg",
        "min_size": 1,
        "max_size": 10,
        "expires_in": 60,
    }
    with pytest.raises(ValueError, match=message):
        store.presign_upload(**{**args, **kwargs})


def test_presigned_download_signs_the_disposition(store):
    url = store.presign_download(key=KEY, expires_in=120, filename='../../evil"name.pdf')
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/consular-docs/{KEY}"
    assert query["X-Amz-Expires"] == ["120"]
    assert query["response-content-disposition"] == [content_disposition('evil"name.pdf')]
    # Directory part dropped; the quote cannot break out of the header value.
    assert query["response-content-disposition"] == [
        "attachment; filename=\"evil_name.pdf\"; filename*=UTF-8''evil%22name.pdf"
    ]
    with pytest.raises(ValueError):
        store.presign_download(key=KEY, expires_in=0)
