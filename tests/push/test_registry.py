"""build_push_sender picks the configured backend; the FCM path is exercised end to end."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from push import LogPushSender, build_push_sender
from push.fcm import FcmPushSender
from tests.fakes.fake_fcm import FakeFcmServer
from tests.push.support import msg

# firebase-admin 7.7 deprecates Message.token in favour of Message.fid (a Firebase
# Installation ID). Our app registers FCM *registration tokens*, so push.fcm keeps using
# ``token`` on purpose; silence only that warning.
pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


def test_log_is_the_default():
    assert isinstance(build_push_sender({}), LogPushSender)
    sender = build_push_sender({"PUSH_BACKEND": "log", "PUSH_LOG_KEEP": "2"})
    sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(5)])
    assert len(sender.sent) == 2


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown PUSH_BACKEND 'apns'.*'log', 'fcm'"):
        build_push_sender({"PUSH_BACKEND": "apns"})


def _service_account_file(tmp_path, token_uri: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "from-file",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "push@from-file.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return str(path)


def test_fcm_backend_with_a_real_service_account_file(tmp_path):
    """The production credential path: a signed JWT is exchanged at token_uri (the fake)."""
    with FakeFcmServer() as fcm:
        settings = {
            "PUSH_BACKEND": "fcm",
            "FCM_CREDENTIALS_FILE": _service_account_file(tmp_path, fcm.url + "/token"),
            "FCM_PROJECT_ID": "palm-prod",
            "FCM_ENDPOINT": fcm.url,
            "FCM_APP_NAME": "push-test-registry",
            "FCM_CONCURRENCY": "2",
        }
        sender = build_push_sender(settings)
        try:
            assert isinstance(sender, FcmPushSender)
            (result,) = sender.send_each(messages=[msg("tok-a")])
            sender.send_each(messages=[msg(f"tok-{n}", n) for n in range(20)])
            with pytest.raises(ValueError, match="already exists"):
                build_push_sender(settings)  # same app name twice is refused, not shared
        finally:
            sender.close()
        sender.close()  # idempotent
    assert result.ok and result.message_id == "projects/palm-prod/messages/1"
    token_request, send_request, *more = fcm.requests
    assert len({r.client for r in [send_request, *more]}) <= 2  # FCM_CONCURRENCY connections
    assert token_request.path == "/token" and "assertion=" in token_request.body
    assert send_request.path == "/v1/projects/palm-prod/messages:send"
    assert send_request.headers["authorization"] == "Bearer fake-access-token"
