"""A loopback FCM v1 HTTP API for driving the real firebase-admin SDK (no emulator exists).

    with FakeFcmServer() as fcm:
        sender = FcmPushSender(project_id="p", credential=FakeCredential(), endpoint=fcm.url)

Endpoints (those firebase-admin 7.7 calls), all answering JSON:
  POST   /v1/projects/<p>/messages:send                                 -> {"name": ...}
  POST   /v1/projects/<p>/registrations/<token>/topicSubscriptions?topic_name=<t> -> {}
  DELETE /v1/projects/<p>/registrations/<token>/topicSubscriptions/<t>?allow_missing=true
  POST   /token  OAuth2 token endpoint, for service-account files whose token_uri points here.
Answers 401 only when told to (``fail_all("UNAUTHENTICATED")``): google-auth then refreshes
the credential and resends.

``delay`` makes every answer late (client timeouts). What a late request that the client
gave up on did is the fake's choice: by default it is still accepted (like an FCM that
delivered but answered too slowly); with ``accept_abandoned=False`` a request whose client
hung up during the delay is recorded with status 499 and not sent (like an FCM that never
got to it). ``sent_messages()`` counts accepted sends only.
"""

from __future__ import annotations

import json
import math
import re
import select
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import google.auth.credentials
from firebase_admin import credentials

from tests.fakes.in_flight import InFlight

# FCM errorCode -> (HTTP status, google.rpc status) as FCM answers them.
ERRORS: dict[str, tuple[int, str]] = {
    "UNREGISTERED": (404, "NOT_FOUND"),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED"),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED"),
    # Real FCM says 401 UNAUTHENTICATED. The SDK maps FCM errors by the errorCode detail,
    # not by status, so 403 yields the same ThirdPartyAuthError without the auth layer's
    # refresh-and-resend on 401.
    "THIRD_PARTY_AUTH_ERROR": (403, "PERMISSION_DENIED"),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT"),
    "UNAUTHENTICATED": (401, "UNAUTHENTICATED"),  # our access token (refresh and resend)
    "UNAVAILABLE": (503, "UNAVAILABLE"),
    "INTERNAL": (500, "INTERNAL"),
}
_FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# groups: project, token (topic management only), topic (unsubscribe only)
_ROUTE = re.compile(
    r"/v1/projects/([^/]+)/(?:messages:send|registrations/([^/]+)/topicSubscriptions(?:/([^/]+))?)"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it; ``body`` is parsed JSON (or text, or None)."""

    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # keys lower-cased
    status: int  # what the fake answered
    client: tuple[str, int] | None = None  # the client's address: one per connection


class FakeFcmServer:
    """Threaded FCM fake on 127.0.0.1 with an ephemeral port. Thread-safe."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        accept_abandoned: bool = True,
        port: int = 0,
        reuse_port: bool = False,
    ) -> None:
        self.delay = delay  # seconds to sleep before every answer (timeouts, slowness)
        self.accept_abandoned = accept_abandoned  # see the module docstring
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._topics: dict[str, set[str]] = {}
        self._token_failures: dict[str, str] = {}
        self._outage_code, self._outage_left = "", 0.0  # requests left to fail
        self._counter = 0
        self._in_flight = InFlight("fake FCM")  # including requests their client left
        # reuse_port: several processes serve one port (the push benchmark's fake).
        server = _ReusePortServer if reuse_port else _Server
        self._httpd = server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeFcmServer:
        # A short poll interval makes shutdown() (and so every test) ~0.5 s faster.
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- failure injection --------------------------------------------------------------

    def fail_token(self, token: str, code: str) -> None:
        """Every request for ``token`` (send or topic management) fails with ``code``."""
        with self._lock:
            self._token_failures[token] = _known(code)

    def fail_all(self, code: str, count: int | None = None) -> None:
        """Outage: the next ``count`` requests (all until ``recover()`` if None) fail."""
        with self._lock:
            self._outage_code = _known(code)
            self._outage_left = math.inf if count is None else count

    def recover(self) -> None:
        """End the outage and forget per-token failures."""
        with self._lock:
            self._outage_left = 0
            self._token_failures.clear()

    # -- inspection -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def sent_messages(self) -> list[dict[str, Any]]:
        """The ``message`` objects of sends the fake accepted, in arrival order."""
        return [
            r.body["message"]
            for r in self.requests
            if r.status == 200 and isinstance(r.body, dict) and "message" in r.body
        ]

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being answered: the late ones our client gave up on
        have been accepted or abandoned."""
        self._in_flight.wait_idle(timeout)

    def subscribers(self, topic: str) -> set[str]:
        with self._lock:
            return set(self._topics.get(topic, ()))

    # -- request handling (called from the handler threads) ------------------------------

    def _serve(
        self,
        method: str,
        target: str,
        headers: dict,
        raw: str,
        *,
        abandoned: bool = False,
        client: tuple[str, int] | None = None,
    ) -> tuple[int, bytes]:
        """Answer one request and record it: (HTTP status, JSON body). An abandoned request
        (the client left during the delay) is only recorded, with status 499."""
        split = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(split.query))
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw  # the OAuth token request is form-encoded
        if abandoned:
            status, answer = 499, None
        else:
            status, answer = self._answer(method, split.path, query, body)
        path = urllib.parse.unquote(split.path)
        with self._lock:
            self._requests.append(
                RecordedRequest(method, path, query, body, headers, status, client)
            )
        return status, json.dumps(answer).encode()

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "POST" and path == "/token":
            return 200, {"access_token": "fake-access-token", "expires_in": 3600}
        # Match the raw path, then decode the parts: a token may hold an encoded "/".
        m = _ROUTE.fullmatch(path)
        project, token, topic = m.groups() if m else (None, None, None)
        is_send = m is not None and token is None
        if not m or method != ("DELETE" if topic else "POST"):
            return 404, _error_body(404, "NOT_FOUND", f"no route for {method} {path}", None)
        if is_send:
            token = (body.get("message") or {}).get("token") if isinstance(body, dict) else None
        else:
            token = urllib.parse.unquote(token)
        with self._lock:
            code = self._token_failures.get(token or "")
            if self._outage_left > 0:  # an outage hits every request, whatever the token
                self._outage_left, code = self._outage_left - 1, self._outage_code
            if code is None and is_send:
                self._counter += 1
                return 200, {"name": f"projects/{project}/messages/{self._counter}"}
            if code is None:
                if topic:
                    self._topics.get(urllib.parse.unquote(topic), set()).discard(token)
                else:
                    self._topics.setdefault(query.get("topic_name", ""), set()).add(token)
                return 200, {}
        status, rpc = ERRORS[code]
        return status, _error_body(status, rpc, f"fake FCM failure {code}", code)


def _known(code: str) -> str:
    if code not in ERRORS:
        raise ValueError(f"unknown FCM error code {code!r}; known: {sorted(ERRORS)}")
    return code


def _error_body(status: int, rpc: str, message: str, fcm_code: str | None) -> dict[str, Any]:
    details = [{"@type": _FCM_ERROR_TYPE, "errorCode": fcm_code}] if fcm_code else []
    return {"error": {"code": status, "message": message, "status": rpc, "details": details}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # send_each opens up to 500 connections at once; the default backlog of 5 would make
    # the kernel drop SYNs and the client wait a second per retransmit.
    request_queue_size = 1024
    fake: FakeFcmServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and hang up are expected; keep test output clean


class _ReusePortServer(_Server):
    allow_reuse_port = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    # The status line and headers, then the body, went out in two writes: on a keep-alive
    # connection Nagle held the body back until the client's delayed ACK (40 ms), so one
    # connection managed ~23 requests a second. Buffer the answer (handle_one_request
    # flushes it after each request) and send without delay, as a real server does.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def _handle(self) -> None:
        fake = self.server.fake
        with fake._in_flight.counting():
            self._handle_counted(fake)

    def _handle_counted(self, fake: FakeFcmServer) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        client = tuple(self.client_address[:2])
        if fake.delay:
            time.sleep(fake.delay)
            if not fake.accept_abandoned and _client_left(self.connection):
                fake._serve(self.command, self.path, headers, raw, abandoned=True, client=client)
                self.close_connection = True
                return
        status, payload = fake._serve(self.command, self.path, headers, raw, client=client)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_DELETE = do_GET = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # silence per-request stderr lines


def _client_left(sock: socket.socket) -> bool:
    """True when the client closed its end of the connection (it timed out and hung up)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _FakeGoogleCredential(google.auth.credentials.Credentials):
    """What firebase-admin's own tests use: refresh() just sets a token, no network."""

    def refresh(self, request: Any) -> None:
        self.token = "fake-access-token"


class FakeCredential(credentials.Base):
    """A firebase credential for tests; pass with ``project_id`` (it carries none)."""

    def __init__(self) -> None:
        self._g_credential = _FakeGoogleCredential()

    def get_credential(self) -> google.auth.credentials.Credentials:
        return self._g_credential
