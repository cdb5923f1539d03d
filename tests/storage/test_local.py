"""LocalObjectStore: signed POST policies enforced like S3, atomic files, signed downloads."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.base import (
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    UploadPolicyViolation,
)
from storage.local import DOWNLOAD_PATH, LocalObjectStore
from storage.policy import decode_policy, encode_policy

BASE_URL = "https://app.example.test"
KEY = "applications/7/photo-1.jpg"
PAYLOAD = b"\xff\xd8\xff" + b"x" * 497  # 500 bytes


class Clock:
    """Injected clock: tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> LocalObjectStore:
    return LocalObjectStore(
        root=tmp_path / "store", secret=b"s" * 32, public_base_url=BASE_URL + "/", clock=clock
    )


def _presign(store: LocalObjectStore, **overrides):
    args = {
        "key": KEY,
        "content_type": "image/jpeg",
        "min_size": 100,
        "max_size": 1000,
        "expires_in": 60,
    }
    return store.presign_upload(**{**args, **overrides})


def _stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "store").rglob("*") if p.is_file()]


def test_presign_mirrors_the_s3_policy(store, clock):
    upload = _presign(store)
    assert upload.url == f"{BASE_URL}/api/v1/storage/local-upload"
    assert upload.key == KEY
    assert upload.expires_at == clock.now + timedelta(seconds=60)
    assert upload.fields["key"] == KEY
    assert upload.fields["Content-Type"] == "image/jpeg"
    assert upload.fields["x-amz-server-side-encryption"] == "AES256"
    policy = decode_policy(upload.fields["policy"])
    assert policy["expiration"] == "2025-03-01T12:01:00Z"
    assert policy["conditions"] == [
        {"key": KEY},
        {"Content-Type": "image/jpeg"},
        ["content-length-range", 100, 1000],
        {"x-amz-server-side-encryption": "AES256"},
    ]


def test_valid_upload_is_stored_atomically(store, tmp_path):
    upload = _presign(store)
    info = store.accept_upload(fields=upload.fields, file_bytes=PAYLOAD, file_content_type=None)
    etag = hashlib.md5(PAYLOAD).hexdigest()
    assert (info.key, info.size, info.content_type, info.encrypted, info.etag) == (
        KEY,
        500,
        "image/jpeg",
        True,
        etag,
    )
    assert store.head(key=KEY) == info
    assert store.read(key=KEY, max_bytes=500) == PAYLOAD
    assert (tmp_path / "store" / "data" / KEY).read_bytes() == PAYLOAD
    assert list((tmp_path / "store" / "tmp").iterdir()) == []  # no temp file left behind


def _tamper_policy(fields: dict[str, str]) -> None:
    policy = decode_policy(fields["policy"])
    policy["conditions"][2] = ["content-length-range", 0, 10**9]
    fields["policy"] = encode_policy(policy)  # signature left as it was


def _flip_signature(fields: dict[str, str]) -> None:
    sig = fields["x-amz-signature"]
    fields["x-amz-signature"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("mutate", "size", "reason"),
    [
        (_flip_signature, 500, "bad_signature"),
        (_tamper_policy, 500, "bad_signature"),
        (lambda f: f.pop("x-amz-signature"), 500, "bad_signature"),
        (lambda f: f.pop("policy"), 500, "bad_signature"),
        (lambda f: f.update(key="applications/8/photo-1.jpg"), 500, "key_mismatch"),
        (lambda f: f.update(key="../../etc/passwd"), 500, "invalid_key"),
        (lambda f: f.update({"Content-Type": "application/pdf"}), 500, "content_type_mismatch"),
        (lambda f: None, 1001, "too_large"),
        (lambda f: None, 99, "too_small"),
        (lambda f: f.pop("x-amz-server-side-encryption"), 500, "encryption_required"),
        (
            lambda f: f.update({"x-amz-server-side-encryption": "aws:kms"}),
            500,
            "encryption_required",
        ),
        (lambda f: f.update(acl="public-read"), 500, "unexpected_field"),
    ],
)
def test_policy_violations_are_refused(store, tmp_path, mutate, size, reason):
    fields = dict(_presign(store).fields)
    mutate(fields)
    with pytest.raises(UploadPolicyViolation) as excinfo:
        store.accept_upload(fields=fields, file_bytes=b"x" * size, file_content_type="image/jpeg")
    assert excinfo.value.reason == reason
    assert excinfo.value.retryable is False
    assert _stored_files(tmp_path) == []


def test_boundaries_are_inclusive(store):
    fields = _presign(store).fields
    assert store.accept_upload(fields=fields, file_bytes=b"x" * 100).size == 100
    assert store.accept_upload(fields=fields, file_bytes=b"x" * 1000).size == 1000


def test_expiry_uses_the_injected_clock(store, clock):
    fields = _presign(store).fields
    clock.advance(59)
    store.accept_upload(fields=fields, file_bytes=PAYLOAD)
    clock.advance(1)  # exactly at the expiration: too late, as on S3
    with pytest.raises(UploadPolicyViolation) as excinfo:
        store.accept_upload(fields=fields, file_bytes=PAYLOAD)
    assert excinfo.value.reason == "expired"


def test_forged_policy_cannot_escape_root(store, tmp_path):
    # Someone holding the secret could sign any key; the key check still stops traversal.
    policy = decode_policy(_presign(store).fields["policy"])
    policy["conditions"][0] = {"key": "../outside.txt"}
    encoded = encode_policy(policy)
    fields = {
        "key": "../outside.txt",
        "Content-Type": "image/jpeg",
        "x-amz-server-side-encryption": "AES256",
        "policy": encoded,
        "x-amz-signature": store._mac(b"upload", encoded.encode()).hex(),
    }
    with pytest.raises(UploadPolicyViolation) as excinfo:
        store.accept_upload(fields=fields, file_bytes=PAYLOAD)
    assert excinfo.value.reason == "invalid_key"
    assert not (tmp_path / "outside.txt").exists()
    assert not (tmp_path / "store" / "outside.txt").exists()


def test_content_type_field_names_are_case_insensitive_and_part_type_is_fallback(store):
    fields = dict(_presign(store).fields)
    fields["content-type"] = fields.pop("Content-Type")
    assert store.accept_upload(fields=fields, file_bytes=PAYLOAD).content_type == "image/jpeg"

    del fields["content-type"]  # no field: the file part's type is judged by the policy
    info = store.accept_upload(fields=fields, file_bytes=PAYLOAD, file_content_type="image/jpeg")
    assert info.content_type == "image/jpeg"
    with pytest.raises(UploadPolicyViolation) as excinfo:
        store.accept_upload(fields=fields, file_bytes=PAYLOAD, file_content_type="image/png")
    assert excinfo.value.reason == "content_type_mismatch"

    # x-ignore-* fields are allowed without a condition, as on S3.
    ok = {**_presign(store).fields, "x-ignore-client": "ios/3.2"}
    assert store.accept_upload(fields=ok, file_bytes=PAYLOAD).size == 500


def test_write_read_delete(store):
    info = store.write(key="out/a.pdf", data=b"%PDF-1.7 one", content_type="application/pdf")
    assert info.encrypted is True and info.size == 12
    second = store.write(key="out/a.pdf", data=b"%PDF-1.7 two!", content_type="application/pdf")
    assert second.etag != info.etag and store.head(key="out/a.pdf").size == 13
    with pytest.raises(ObjectTooLarge):
        store.read(key="out/a.pdf", max_bytes=12)
    store.delete(key="out/a.pdf")
    store.delete(key="out/a.pdf")  # idempotent
    with pytest.raises(ObjectNotFound):
        store.head(key="out/a.pdf")
    with pytest.raises(ObjectNotFound):
        store.read(key="out/a.pdf", max_bytes=100)


def test_invalid_keys_and_conflicts(store):
    for bad in ("../x", "/etc/passwd", "a/../b", ".hidden", "a\\b"):
        with pytest.raises(ValueError):
            store.head(key=bad)
    store.write(key="a", data=b"1", content_type="text/plain")
    with pytest.raises(StorageError):  # S3 allows "a" and "a/b"; a filesystem cannot
        store.write(key="a/b", data=b"2", content_type="text/plain")


def test_short_secret_is_refused(tmp_path):
    with pytest.raises(ValueError):
        LocalObjectStore(root=tmp_path, secret=b"short", public_base_url=BASE_URL)


def _token(url: str) -> str:
    assert url.startswith(BASE_URL + DOWNLOAD_PATH)
    return url[len(BASE_URL + DOWNLOAD_PATH) :]


def test_download_token_round_trip_and_expiry(store, clock):
    store.write(key=KEY, data=PAYLOAD, content_type="image/jpeg")
    token = _token(store.presign_download(key=KEY, expires_in=30, filename="photo é.jpg"))
    path, info, filename = store.resolve_download(token)
    assert path.read_bytes() == PAYLOAD
    assert (info.key, info.content_type, info.size) == (KEY, "image/jpeg", 500)
    assert filename == "photo é.jpg"

    untitled = _token(store.presign_download(key=KEY, expires_in=30))
    assert store.resolve_download(untitled)[2] is None

    clock.advance(30)
    with pytest.raises(ObjectNotFound):
        store.resolve_download(token)


def test_download_token_tampering_and_deleted_objects(store):
    store.write(key=KEY, data=PAYLOAD, content_type="image/jpeg")
    store.write(key="other/secret.pdf", data=b"%PDF", content_type="application/pdf")
    token = _token(store.presign_download(key=KEY, expires_in=30))
    other = _token(store.presign_download(key="other/secret.pdf", expires_in=30))
    body, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["k"] = "other/secret.pdf"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    for bad in (
        f"{forged}.{mac}",  # re-pointed at another key
        f"{body}.{other.split('.')[1]}",  # signature of another token
        f"{body}.{'B' if mac[0] == 'A' else 'A'}{mac[1:]}",  # first char: last is padding
        "",
        "no-dot",
        "a.b.c",
        "é.é",
    ):
        with pytest.raises(ObjectNotFound):
            store.resolve_download(bad)

    store.delete(key=KEY)
    with pytest.raises(ObjectNotFound):
        store.resolve_download(token)
