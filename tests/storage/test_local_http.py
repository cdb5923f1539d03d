"""Protocol parity: the phone's multipart POST that works against S3 works against the local
store too. A throw-away WSGI app on 127.0.0.1 stands in for the real Flask routes (wired
elsewhere) and simply hands the parsed form to accept_upload / resolve_download.
"""

from __future__ import annotations

from collections.abc import Iterator
from threading import Thread

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from storage.base import ObjectNotFound, UploadPolicyViolation, content_disposition
from storage.local import DOWNLOAD_PATH, UPLOAD_PATH, LocalObjectStore

PAYLOAD = b"\xff\xd8\xff" + b"photo" * 200


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[LocalObjectStore, requests.Session]]:
    holder: dict[str, LocalObjectStore] = {}

    @Request.application
    def app(request: Request) -> Response:
        store = holder["store"]
        if request.method == "POST" and request.path == UPLOAD_PATH:
            upload = request.files["file"]
            try:
                store.accept_upload(
                    fields=request.form.to_dict(),
                    file_bytes=upload.read(),
                    file_content_type=upload.mimetype or None,
                )
            except UploadPolicyViolation as exc:
                return Response(exc.reason, status=403)
            return Response(status=204)
        if request.method == "GET" and request.path.startswith(DOWNLOAD_PATH):
            try:
                path, info, name = store.resolve_download(request.path[len(DOWNLOAD_PATH) :])
            except ObjectNotFound:
                return Response(status=404)
            headers = {"Content-Disposition": content_disposition(name)} if name else {}
            return Response(path.read_bytes(), content_type=info.content_type, headers=headers)
        return Response(status=404)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    holder["store"] = LocalObjectStore(
        root=tmp_path,
        secret=b"k" * 32,
        public_base_url=f"http://127.0.0.1:{server.server_port}",
    )
    thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    session = requests.Session()
    session.trust_env = False
    try:
        yield holder["store"], session
    finally:
        session.close()
        server.shutdown()
        server.server_close()
        thread.join()


def test_same_client_code_as_s3(served):
    store, http = served
    upload = store.presign_upload(
        key="applications/9/photo.jpg",
        content_type="image/jpeg",
        min_size=1,
        max_size=2000,
        expires_in=60,
    )
    files = {"file": ("photo.jpg", PAYLOAD, "image/jpeg")}
    response = http.post(upload.url, data=upload.fields, files=files, timeout=5)
    assert response.status_code == 204, response.text
    assert store.head(key="applications/9/photo.jpg").size == len(PAYLOAD)

    too_big = {"file": ("photo.jpg", PAYLOAD * 3, "image/jpeg")}
    refused = http.post(upload.url, data=upload.fields, files=too_big, timeout=5)
    assert (refused.status_code, refused.text) == (403, "too_large")

    url = store.presign_download(key="applications/9/photo.jpg", expires_in=60, filename="p.jpg")
    download = http.get(url, timeout=5)
    assert download.status_code == 200 and download.content == PAYLOAD
    assert download.headers["Content-Type"] == "image/jpeg"
    assert download.headers["Content-Disposition"] == 'attachment; filename="p.jpg"'
    body, mac = url.rsplit(".", 1)
    # Change the first MAC character: the last one only carries base64 padding bits.
    tampered = f"{body}.{'B' if mac[0] == 'A' else 'A'}{mac[1:]}"
    assert http.get(tampered, timeout=5).status_code == 404
