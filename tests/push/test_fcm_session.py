"""push.fcm_session.KeptSession: sends skip the requests machinery, and keep what it did
(credential refresh on 401, TLS verification, the SDK's session for everything else)."""

from __future__ import annotations

import contextlib
import datetime
import gzip
import ipaddress
import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import firebase_admin
import pytest
import requests
import requests.adapters
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from firebase_admin import _http_client, messaging

from push.base import PushServiceMisconfigured, PushUnavailable
from push.fcm import FcmPushSender, map_error
from push.fcm_session import KeptSession
from tests.fakes import fake_fcm
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer
from tests.push.support import PROJECT, fcm_sender, msg, no_backoff

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


def _session(sender: FcmPushSender) -> KeptSession:
    return messaging._get_messaging_service(sender._app)._client.session


@pytest.fixture
def session_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the requests that went through requests.Session.request."""
    seen: list[str] = []
    real = requests.Session.request

    def spy(self, method, url, *args, **kwargs):
        seen.append(method.upper())
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    return seen


def test_sends_skip_the_requests_session_and_the_rest_goes_through_it(
    monkeypatch, session_requests
):
    no_backoff(monkeypatch)
    with fcm_sender() as (fcm, sender):
        assert _session(sender).short_path
        results = sender.send_each(messages=[msg(f"tok-{n}", n) for n in range(5)])
        assert all(r.ok for r in results)
        assert session_requests == []  # the five sends took the short path
        sender.unsubscribe(tokens=["tok-1"], topic="alerts-FR")  # a DELETE without a body
    assert session_requests == ["DELETE"]
    sends = [r for r in fcm.requests if r.method == "POST"]
    assert sorted(r.body["message"]["token"] for r in sends) == [f"tok-{n}" for n in range(5)]
    for request in sends:  # what requests used to put on the wire is still there
        assert request.headers["content-type"] == "application/json"
        assert request.headers["authorization"] == "Bearer fake-access-token"
        assert request.headers["x-goog-api-format-version"] == "2"
        assert request.headers["x-goog-api-client"].startswith("gl-python/")
        assert request.headers["user-agent"].startswith("python-requests/")


def test_a_401_refreshes_the_credential_and_resends(monkeypatch):
    no_backoff(monkeypatch)
    refreshes: list[int] = []
    real_refresh = fake_fcm._FakeGoogleCredential.refresh

    def refresh(self, request):
        refreshes.append(1)
        real_refresh(self, request)

    monkeypatch.setattr(fake_fcm._FakeGoogleCredential, "refresh", refresh)
    with fcm_sender() as (fcm, sender):
        sender.send_each(messages=[msg("tok-a", 1)])  # the first token
        refreshes.clear()
        fcm.fail_all("UNAUTHENTICATED", count=1)
        (result,) = sender.send_each(messages=[msg("tok-b", 2)])
    assert result.ok
    assert [r.status for r in fcm.requests[1:]] == [401, 200]
    assert len(refreshes) == 1


def test_a_lasting_401_is_our_misconfiguration_after_the_refresh_attempts(monkeypatch):
    no_backoff(monkeypatch)
    with fcm_sender() as (fcm, sender):
        fcm.fail_all("UNAUTHENTICATED")
        (result,) = sender.send_each(messages=[msg("tok-a", 1)])
    assert isinstance(result.error, PushServiceMisconfigured)
    assert [r.status for r in fcm.requests] == [401, 401, 401]  # google-auth's 1 + 2


def test_a_proxy_keeps_the_sdk_session(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint="http://127.0.0.1:9",
        app_name="push-test-proxy",
    ) as sender:
        assert not _session(sender).short_path


@pytest.fixture
def tls_fcm(tmp_path: Path) -> Iterator[tuple[FakeFcmServer, str, Path]]:
    """The fake over TLS with a self-signed certificate for 127.0.0.1: (fake, url, cert)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake fcm")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    fcm = FakeFcmServer()
    fcm._httpd.socket = context.wrap_socket(fcm._httpd.socket, server_side=True)
    with fcm:
        yield fcm, fcm.url.replace("http://", "https://"), cert_file


@pytest.mark.parametrize("trusted", [True, False])
def test_the_short_path_verifies_tls_with_the_configured_bundle(monkeypatch, tls_fcm, trusted):
    no_backoff(monkeypatch)
    fcm, url, cert_file = tls_fcm
    if trusted:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    else:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint=url,
        app_name=f"push-test-tls-{trusted}",
    ) as sender:
        assert _session(sender).short_path
        (result,) = sender.send_each(messages=[msg("tok-a", 1)])
    if trusted:
        assert result.ok
        assert [m["token"] for m in fcm.sent_messages()] == ["tok-a"]
    else:  # a certificate nobody vouches for: refused before anything is sent
        assert isinstance(result.error, PushUnavailable)
        # libcurl's words for OpenSSL's verdict, under the SDK's "Failed to establish a
        # connection" (requests' SSLError, as with urllib3 before).
        assert "SSLError" in str(result.error)
        assert "verify result: self-signed certificate" in str(result.error)
        assert fcm.sent_messages() == []


def test_a_ca_directory_is_read_as_one(monkeypatch, tls_fcm, tmp_path):
    """REQUESTS_CA_BUNDLE may name a directory of hashed certificates (as requests allows);
    libcurl then reads that directory (CAPATH), not a file."""
    no_backoff(monkeypatch)
    fcm, url, cert_file = tls_fcm
    directory = tmp_path / "cas"
    directory.mkdir()
    shutil.copy(cert_file, directory / "fake-fcm.pem")
    # OpenSSL finds a certificate in a directory by its subject's hash (``<hash>.0``).
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(cert_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (directory / f"{subject_hash}.0").symlink_to(directory / "fake-fcm.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(directory))
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint=url,
        app_name="push-test-tls-directory",
    ) as sender:
        assert _session(sender).short_path
        (result,) = sender.send_each(messages=[msg("tok-a", 1)])
    assert result.ok, result.error
    assert [m["token"] for m in fcm.sent_messages()] == ["tok-a"]


class _BrokenBody(BaseHTTPRequestHandler):
    """Answers every POST 200 with a body that claims gzip and is not."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"this is not gzip"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on loopback in a thread for the block: its origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _kept_session(origin: str) -> KeptSession:
    """A KeptSession on ``origin`` with the SDK's retry policy mounted, as the sender has."""
    import google.auth.transport.requests

    session = google.auth.transport.requests.AuthorizedSession(FakeCredential().get_credential())
    session.trust_env = False
    session.mount(
        origin + "/",
        requests.adapters.HTTPAdapter(max_retries=_http_client.DEFAULT_RETRY_CONFIG),
    )
    return KeptSession(session, origin)


def test_a_body_that_cannot_be_read_is_a_transport_error_to_retry(monkeypatch):
    """A broken gzip body is requests' ContentDecodingError on the short path too (the SDK
    maps it to a transport error, and the push is retried), not a bare urllib3 error."""
    with _serving(_BrokenBody) as origin:
        kept = _kept_session(origin)
        assert kept.short_path
        with pytest.raises(requests.exceptions.ContentDecodingError):
            kept.request("POST", origin + "/v1/send", json={"message": {}}, timeout=5)
        assert isinstance(map_error(requests.exceptions.ContentDecodingError("x")), PushUnavailable)


class _Recording(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1: records each request's headers, body and client port; answers
    with gzip, a repeated header and a reason phrase, or resets the connection when the
    path says so."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[dict[str, str], bytes, int]] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(
            ({k.lower(): v for k, v in self.headers.items()}, body, self.client_address[1])
        )
        if self.path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        answer = gzip.compress(b'{"name": "projects/p/messages/1"}')
        self.send_response(200, "Fine Thanks")
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("X-Seen", "one")
        self.send_header("X-Seen", "two")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_origin() -> Iterator[tuple[KeptSession, str]]:
    _Recording.seen = []
    with _serving(_Recording) as origin:
        kept = _kept_session(origin)
        try:
            yield kept, origin
        finally:
            kept.close()


def test_the_answer_is_read_as_requests_read_it_on_one_kept_connection(
    monkeypatch, recording_origin
):
    """libcurl under the SDK: gzip decoded, a repeated header joined, the reason phrase kept,
    a body over 1 MB sent without a 100-continue wait, and the connection kept alive."""
    no_backoff(monkeypatch)
    kept, origin = recording_origin
    assert kept.short_path
    big = {"message": {"token": "t", "data": {"padding": "x" * 1_100_000}}}
    answers = [kept.request("POST", origin + "/v1/send", json=big, timeout=5) for _ in range(3)]
    for response in answers:
        assert response.status_code == 200
        assert response.reason == "Fine Thanks"
        assert response.json() == {"name": "projects/p/messages/1"}
        assert response.headers["x-seen"] == "one, two"
        assert response.encoding == "UTF-8"
    headers, body, _port = _Recording.seen[0]
    assert "expect" not in headers
    assert headers["accept-encoding"] == "gzip, deflate"
    assert headers["authorization"] == "Bearer fake-access-token"
    assert json.loads(body) == big
    assert len({port for _h, _b, port in _Recording.seen}) == 1  # one connection, kept


def test_a_connection_reset_is_retried_once_then_a_connection_error(monkeypatch, recording_origin):
    """As urllib3 did: a reset while reading is a read error, which the SDK's Retry tries
    once more; then requests' ConnectionError, which the SDK maps to a transport error."""
    no_backoff(monkeypatch)
    kept, origin = recording_origin
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        kept.request("POST", origin + "/reset", json={"message": {}}, timeout=5)
    assert "Max retries exceeded" in str(caught.value)
    assert len(_Recording.seen) == 2


def test_a_connection_that_does_not_open_in_time_is_a_connect_timeout(monkeypatch):
    """As urllib3 said it: ConnectTimeout (the SDK's DeadlineExceededError), after the one
    connect retry, not a read timeout."""
    no_backoff(monkeypatch)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once its queue is full, connections hang
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            kept = _kept_session(f"http://127.0.0.1:{port}")
            started = time.monotonic()
            with pytest.raises(requests.exceptions.ConnectTimeout):
                kept.request(
                    "POST", f"http://127.0.0.1:{port}/v1/send", json={"message": {}}, timeout=0.3
                )
            assert time.monotonic() - started < 3
        finally:
            for filler in fillers:
                filler.close()


def test_a_reset_during_the_tls_handshake_is_retried_once_as_urllib3_did(monkeypatch):
    """libcurl calls a reset in the handshake a TLS error; urllib3 saw a broken connection,
    which its Retry tries once more (a TLS error it would try ten times, with backoff)."""
    no_backoff(monkeypatch)
    accepted: list[int] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(5)
        port = listener.getsockname()[1]

        def reset_every_handshake():
            try:
                while True:
                    connection, _ = listener.accept()
                    accepted.append(1)
                    connection.recv(4096)  # the ClientHello
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    connection.close()
            except OSError:
                return

        thread = threading.Thread(target=reset_every_handshake, daemon=True)
        thread.start()
        kept = _kept_session(f"https://127.0.0.1:{port}")
        with pytest.raises(requests.exceptions.ConnectionError) as caught:
            kept.request(
                "POST", f"https://127.0.0.1:{port}/v1/send", json={"message": {}}, timeout=5
            )
    assert not isinstance(caught.value, requests.exceptions.SSLError)
    assert len(accepted) == 2


def test_a_missing_ca_bundle_stops_the_sender_at_its_start(monkeypatch, tmp_path):
    """As requests' adapter did: a mistyped REQUESTS_CA_BUNDLE fails the sender's start,
    not every push later."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nowhere.pem"))
    with pytest.raises(OSError, match="invalid path"):
        FcmPushSender(
            project_id=PROJECT,
            credential=FakeCredential(),
            endpoint="https://127.0.0.1:9",
            app_name="push-test-missing-ca",
        )
    with pytest.raises(ValueError):
        firebase_admin.get_app("push-test-missing-ca")  # the half-built app was deleted
