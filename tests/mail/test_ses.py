"""SesMailSender with the real boto3 against moto's SES served over HTTP on 127.0.0.1.

One moto server per module (the same approach as tests/storage/moto_support.py, copied so
the two suites stay independent), the sender identity verified through moto's SES API
first, what was sent read back from the server's ``/moto-api/data.json`` (section ``ses``).
moto keeps only the HTML body of a Simple message, so the exact request (text part,
charsets, headers, tags) is also checked on the wire with a botocore ``before-send`` hook.
Error mapping: moto for an unverified sender, a closed port, and a scripted HTTP server for
the SES error codes moto never returns.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from mail import MailMisconfigured, MailRejected, MailUnavailable
from mail.ses import REFERENCE_TAG, SesMailSender
from tests.mail.support import TEXTS, message

REGION = "eu-west-1"
CREDS = {"access_key_id": "testing", "secret_access_key": "testing"}
VERIFIED = "no-reply@palm.example"


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # never route loopback traffic through an ambient proxy
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="module")
def endpoint(http: requests.Session) -> Iterator[str]:
    """moto on 127.0.0.1 with ``VERIFIED`` verified; its backends are process-global, so
    they are reset when the module is done."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        admin = boto3.session.Session().client(
            "ses",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        admin.verify_email_identity(EmailAddress=VERIFIED)
        assert VERIFIED in admin.list_identities(IdentityType="EmailAddress")["Identities"]
        yield url
    finally:
        http.post(f"{url}/moto-api/reset", timeout=5)
        server.stop()


def _sent(http: requests.Session, endpoint: str, message_id: str) -> dict:
    data = http.get(f"{endpoint}/moto-api/data.json", timeout=5).json()
    matches = [m for m in data["ses"]["Message"] if m["id"] == message_id]
    assert len(matches) == 1, data["ses"]["Message"]
    return matches[0]


def _wire(sender: SesMailSender) -> list[dict]:
    """Record the JSON body of every SendEmail request the sender's client puts on the wire."""
    bodies: list[dict] = []

    def record(request, **_kwargs):
        bodies.append(json.loads(request.body))

    sender._client.meta.events.register("before-send.sesv2.SendEmail", record)
    return bodies


@pytest.mark.parametrize("lang", ["zh-Hans", "vi"])
def test_send_reaches_ses_with_both_parts_in_utf8(endpoint, http, lang):
    subject, text, html = TEXTS[lang]
    sender = SesMailSender(
        from_address=f"Palm service hall <{VERIFIED}>",
        region=REGION,
        endpoint_url=endpoint,
        configuration_set="palm-events",
        **CREDS,
    )
    wire = _wire(sender)
    msg = message(lang, reference=f"reset-{lang}", headers={"Auto-Submitted": "auto-generated"})

    result = sender.send(message=msg)

    assert result.reference == f"reset-{lang}"
    assert result.provider_message_id
    stored = _sent(http, endpoint, result.provider_message_id)
    assert stored["source"] == f"Palm service hall <{VERIFIED}>"
    assert stored["destinations"] == {"ToAddresses": ["traveller@example.org"]}
    assert stored["subject"] == subject
    assert stored["body"] == html  # moto keeps the HTML part when there is one

    (request,) = wire
    simple = request["Content"]["Simple"]
    assert simple["Subject"] == {"Data": subject, "Charset": "UTF-8"}
    assert simple["Body"] == {
        "Text": {"Data": text, "Charset": "UTF-8"},
        "Html": {"Data": html, "Charset": "UTF-8"},
    }
    assert simple["Headers"] == [
        {"Name": "Content-Language", "Value": lang},
        {"Name": "X-Palm-Reference", "Value": f"reset-{lang}"},
        {"Name": "Auto-Submitted", "Value": "auto-generated"},
    ]
    assert request["EmailTags"] == [{"Name": REFERENCE_TAG, "Value": f"reset-{lang}"}]
    assert request["ConfigurationSetName"] == "palm-events"
    assert request["Destination"] == {"ToAddresses": ["traveller@example.org"]}
    sender.close()


def test_text_only_message_and_non_ascii_sender_name(endpoint, http):
    sender = SesMailSender(
        from_address=f"掌上服务大厅 <{VERIFIED}>", region=REGION, endpoint_url=endpoint, **CREDS
    )
    wire = _wire(sender)
    result = sender.send(message=message("vi", reference="text-only", html=None))

    stored = _sent(http, endpoint, result.provider_message_id)
    assert stored["body"] == TEXTS["vi"][1]
    # The display name goes out as an encoded word (header form), the address untouched.
    assert stored["source"].isascii()
    assert str(make_header(decode_header(stored["source"]))) == f"掌上服务大厅 <{VERIFIED}>"
    (request,) = wire
    assert "Html" not in request["Content"]["Simple"]["Body"]
    assert "ConfigurationSetName" not in request


def test_unverified_sender_is_rejected(endpoint):
    sender = SesMailSender(
        from_address="nobody@unverified.example", region=REGION, endpoint_url=endpoint, **CREDS
    )
    with pytest.raises(MailRejected) as excinfo:
        sender.send(message=message())
    assert excinfo.value.retryable is False
    assert excinfo.value.provider_code == "MessageRejected"


def test_another_region_has_no_verified_identity(endpoint):
    # Identities are per region in SES, and so in moto: the same sender elsewhere fails.
    sender = SesMailSender(
        from_address=VERIFIED, region="ap-southeast-2", endpoint_url=endpoint, **CREDS
    )
    with pytest.raises(MailRejected):
        sender.send(message=message())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("max_attempts", [1, 3])  # 3 is the default
def test_closed_port_is_unavailable_quickly(max_attempts):
    sender = SesMailSender(
        from_address=VERIFIED,
        region=REGION,
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        connect_timeout=1,
        read_timeout=1,
        max_attempts=max_attempts,
        **CREDS,
    )
    started = time.monotonic()
    with pytest.raises(MailUnavailable) as excinfo:
        sender.send(message=message())
    assert excinfo.value.retryable is True
    assert not isinstance(excinfo.value, MailMisconfigured)
    assert time.monotonic() - started < 5  # connection refused + at most short back-offs


class _ScriptedSes(BaseHTTPRequestHandler):
    """Answers every request with the status and SES error code in the server's script,
    in SESv2's rest-json error shape."""

    def do_POST(self) -> None:
        status, code = self.server.script  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"message": "scripted"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-ErrorType", code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def scripted() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedSes)
    thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, "TooManyRequestsException", MailUnavailable),
        (400, "LimitExceededException", MailUnavailable),
        (500, "InternalFailure", MailUnavailable),
        (503, "ServiceUnavailable", MailUnavailable),
        (400, "MessageRejected", MailRejected),
        (400, "BadRequestException", MailRejected),
        (400, "MailFromDomainNotVerifiedException", MailMisconfigured),
        (400, "SendingPausedException", MailMisconfigured),
        (400, "AccountSuspendedException", MailMisconfigured),
        (404, "NotFoundException", MailMisconfigured),
        (403, "UnrecognizedClientException", MailMisconfigured),
        (403, "SomethingNew", MailMisconfigured),
        (400, "SomethingNew", MailRejected),
    ],
)
def test_ses_errors_are_mapped(scripted, status, code, expected):
    scripted.script = (status, code)  # type: ignore[attr-defined]
    host, port = scripted.server_address[:2]
    sender = SesMailSender(
        from_address=VERIFIED,
        region=REGION,
        endpoint_url=f"http://{host}:{port}",
        max_attempts=1,
        **CREDS,
    )
    with pytest.raises(expected) as excinfo:
        sender.send(message=message())
    assert type(excinfo.value) is expected
    assert excinfo.value.provider_code == code
    assert excinfo.value.retryable is (expected is not MailRejected)
