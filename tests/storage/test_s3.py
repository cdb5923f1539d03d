"""S3ObjectStore with the real boto3 against moto's S3 served over HTTP on 127.0.0.1.

One moto server per module (start ~ms, stop ~0.5 s), one fresh bucket per test, moto state
reset at teardown. moto enforces neither POST policies nor expiry nor signatures, so the policy
document is checked separately in test_s3_policy.py.
"""

from __future__ import annotations

import hashlib
import socket
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
import requests

from storage.base import (
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    StorageUnavailable,
)
from storage.s3 import S3ObjectStore
from tests.storage.moto_support import (
    CREDS,
    loopback_session,
    moto_server,
    new_bucket,
)

JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"passport-photo" * 100


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with loopback_session() as session:
        yield session


@pytest.fixture(scope="module")
def endpoint(http: requests.Session) -> Iterator[str]:
    with moto_server(http) as url:
        yield url


@pytest.fixture
def store(endpoint: str) -> S3ObjectStore:
    bucket = new_bucket(endpoint, default_encryption=True)
    return S3ObjectStore(bucket=bucket, endpoint_url=endpoint, **CREDS)


def _post(http: requests.Session, upload, payload: bytes, content_type: str) -> requests.Response:
    # requests puts `data` fields before `files`, as S3 requires (the file must come last).
    return http.post(
        upload.url,
        data=upload.fields,
        files={"file": ("photo.jpg", payload, content_type)},
        timeout=5,
    )


def test_presigned_post_upload_then_head_and_read(store, endpoint, http):
    key = f"applications/42/photo-{uuid.uuid4().hex}.jpg"
    upload = store.presign_upload(
        key=key, content_type="image/jpeg", min_size=1, max_size=10_000, expires_in=120
    )
    assert upload.url == f"{endpoint}/{store.bucket}"  # path-style on a custom endpoint
    assert upload.fields["key"] == key

    response = _post(http, upload, JPEG_BYTES, "image/jpeg")
    assert response.status_code == 204, response.text

    info = store.head(key=key)
    assert info.key == key
    assert info.size == len(JPEG_BYTES)
    assert info.content_type == "image/jpeg"
    assert info.encrypted is True
    assert info.etag == hashlib.md5(JPEG_BYTES).hexdigest()  # quotes stripped
    assert store.read(key=key, max_bytes=len(JPEG_BYTES)) == JPEG_BYTES
    with pytest.raises(ObjectTooLarge) as excinfo:
        store.read(key=key, max_bytes=len(JPEG_BYTES) - 1)
    assert excinfo.value.reason == "too_large"


def test_head_reports_unencrypted_object_faithfully(endpoint, http):
    # Without bucket default encryption moto stores the POSTed file unencrypted despite the
    # SSE form field: head() must say so rather than assume, so the "done" check can refuse.
    store = S3ObjectStore(
        bucket=new_bucket(endpoint, default_encryption=False), endpoint_url=endpoint, **CREDS
    )
    upload = store.presign_upload(
        key="docs/a.jpg", content_type="image/jpeg", min_size=1, max_size=10_000, expires_in=60
    )
    assert _post(http, upload, JPEG_BYTES, "image/jpeg").status_code == 204
    assert store.head(key="docs/a.jpg").encrypted is False


def test_write_is_encrypted_and_presigned_download_works(store, http):
    info = store.write(key="out/clean.jpg", data=JPEG_BYTES, content_type="image/jpeg")
    assert (info.size, info.content_type, info.encrypted) == (len(JPEG_BYTES), "image/jpeg", True)
    assert info.etag == hashlib.md5(JPEG_BYTES).hexdigest()

    url = store.presign_download(key="out/clean.jpg", expires_in=60, filename="passeport é.jpg")
    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    response = http.get(url, timeout=5)
    assert response.status_code == 200
    assert response.content == JPEG_BYTES
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="passeport e.jpg"')
    assert "filename*=UTF-8''passeport%20%C3%A9.jpg" in disposition

    plain = store.presign_download(key="out/clean.jpg", expires_in=60)
    assert "response-content-disposition" not in plain
    assert http.get(plain, timeout=5).content == JPEG_BYTES


def test_missing_key_and_delete(store):
    with pytest.raises(ObjectNotFound) as excinfo:
        store.head(key="nope/missing.jpg")
    assert excinfo.value.retryable is False
    with pytest.raises(ObjectNotFound):
        store.read(key="nope/missing.jpg", max_bytes=100)

    store.write(key="tmp/x.pdf", data=b"%PDF-1.7", content_type="application/pdf")
    store.delete(key="tmp/x.pdf")
    store.delete(key="tmp/x.pdf")  # idempotent, like S3
    with pytest.raises(ObjectNotFound):
        store.head(key="tmp/x.pdf")


def test_missing_bucket_is_a_configuration_error(endpoint):
    store = S3ObjectStore(bucket="no-such-bucket-here", endpoint_url=endpoint, **CREDS)
    with pytest.raises(StorageError) as excinfo:
        store.read(key="a.jpg", max_bytes=10)
    assert not isinstance(excinfo.value, (ObjectNotFound, StorageUnavailable))
    assert excinfo.value.retryable is False


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("max_attempts", [1, 3])  # 3 is the default
def test_unreachable_endpoint_is_unavailable_quickly(max_attempts):
    store = S3ObjectStore(
        bucket="docs",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        # Far above the bound below: an attempt that waited for its timeout instead of
        # being refused fails the test, while a busy machine (the suite runs in parallel on
        # a shared one) still has seconds of headroom.
        connect_timeout=10,
        max_attempts=max_attempts,
        **CREDS,
    )
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as excinfo:
        store.head(key="a.jpg")
    assert excinfo.value.retryable is True
    assert time.monotonic() - started < 6  # connection refused + the short backoffs


class _ScriptedS3(BaseHTTPRequestHandler):
    """Answers every request with the status and S3 error code in the server's script."""

    def _reply(self) -> None:
        status, code = self.server.script  # type: ignore[attr-defined]
        body = f"<Error><Code>{code}</Code><Message>scripted</Message></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = _reply

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def scripted() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedS3)
    thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("status", "code", "expected", "retryable"),
    [
        (503, "SlowDown", StorageUnavailable, True),
        (500, "InternalError", StorageUnavailable, True),
        (403, "AccessDenied", StorageError, False),
        (404, "NoSuchKey", ObjectNotFound, False),
    ],
)
def test_http_errors_are_mapped(scripted, status, code, expected, retryable):
    scripted.script = (status, code)  # type: ignore[attr-defined]
    host, port = scripted.server_address[:2]
    store = S3ObjectStore(
        bucket="docs", endpoint_url=f"http://{host}:{port}", max_attempts=1, **CREDS
    )
    for call in (lambda: store.head(key="a.jpg"), lambda: store.read(key="a.jpg", max_bytes=9)):
        with pytest.raises(StorageError) as excinfo:
            call()
        assert type(excinfo.value) is expected
        assert excinfo.value.retryable is retryable
