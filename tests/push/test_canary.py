"""CANARY: the private firebase-admin internals push.fcm relies on are still there.

If one of these fails after upgrading firebase-admin, do not patch the test: read the new
SDK's messaging.py and update push.fcm.repoint_messaging_service (and the fake server if
the wire paths moved).
"""

from __future__ import annotations

import firebase_admin
import pytest
import requests
from firebase_admin import _http_client, messaging

from push.fcm import repoint_messaging_service, size_connection_pool
from push.fcm_session import KeptSession
from tests.fakes.fake_fcm import FakeCredential

SDK = f"firebase-admin {firebase_admin.__version__}"


@pytest.fixture
def service():
    app = firebase_admin.initialize_app(
        FakeCredential(), {"projectId": "canary-p"}, name="push-canary"
    )
    try:
        yield messaging._get_messaging_service(app)
    finally:
        firebase_admin.delete_app(app)


def test_sdk_version_is_the_one_we_read():
    assert firebase_admin.__version__.startswith("7.7."), (
        f"{SDK}: push.fcm was written against 7.7.x private internals; re-check them"
    )


def test_private_messaging_service_internals_still_exist(service):
    for attr, tail in (
        ("_fcm_url", "/v1/projects/canary-p/messages:send"),
        ("_fcm_topic_url", "/v1/projects/canary-p/registrations"),
    ):
        value = getattr(service, attr, None)
        assert isinstance(value, str), (
            f"CANARY: {SDK} messaging service lost private attribute {attr!r}; "
            "push.fcm.repoint_messaging_service can no longer aim the SDK at FakeFcmServer"
        )
        assert value == "https://fcm.googleapis.com" + tail, (
            f"CANARY: {SDK} changed {attr} to {value!r}; update the fake server and repointing"
        )
    session = getattr(getattr(service, "_client", None), "session", None)
    assert isinstance(session, requests.Session), (
        f"CANARY: {SDK} messaging service has no _client.session; cannot mount the adapter"
    )
    assert hasattr(_http_client.DEFAULT_RETRY_CONFIG, "backoff_factor"), (
        f"CANARY: {SDK} moved DEFAULT_RETRY_CONFIG; tests' no_backoff() and the mounted "
        "adapter use it"
    )


def test_repointing_swaps_only_the_origin(service):
    repoint_messaging_service(service, "http://127.0.0.1:9/")
    assert service._fcm_url == "http://127.0.0.1:9/v1/projects/canary-p/messages:send"
    assert service._fcm_topic_url == "http://127.0.0.1:9/v1/projects/canary-p/registrations"


def test_repointing_fails_loudly_when_attributes_move():
    class Moved:  # what the service would look like if a release renamed the attribute
        _fcm_url = "https://fcm.googleapis.com/v1/projects/p/messages:send"

    with pytest.raises(RuntimeError, match="_fcm_topic_url"):
        repoint_messaging_service(Moved(), "http://127.0.0.1:9")


def test_connection_pool_is_sized_on_the_sdk_session(service, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    size_connection_pool(service, "https://fcm.googleapis.com", 7)
    session = service._client.session
    adapter = session.get_adapter("https://fcm.googleapis.com/v1/projects/canary-p/messages:send")
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 7, (
        f"CANARY: {SDK} session no longer takes the mounted pool"
    )
    assert adapter.max_retries is _http_client.DEFAULT_RETRY_CONFIG  # the SDK's own retries
    # the environment is read once: its proxy still applies, without a lookup per message
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.example:3128"


def test_the_short_path_finds_what_it_reads_in_the_sdk_and_google_auth(service):
    """push.fcm_session.KeptSession replaces ``_client._session`` (the ``session`` property
    has no setter) and reads google-auth's refresh settings off the AuthorizedSession."""
    client = service._client
    assert client._session is client.session, (
        f"CANARY: {SDK} HttpClient no longer keeps its session in _session"
    )
    for name in ("_auth_request", "_refresh_status_codes", "_max_refresh_attempts"):
        assert hasattr(client.session, name), (
            f"CANARY: google-auth's AuthorizedSession lost {name}; KeptSession would fall "
            "back to the slow path for every message"
        )
    size_connection_pool(service, "https://fcm.googleapis.com", 7)
    assert isinstance(client.session, KeptSession)
    assert client.session.short_path


def test_sizing_fails_loudly_when_the_session_moves():
    class Moved:  # what the service would look like if a release renamed _client
        _http = object()

    with pytest.raises(RuntimeError, match="_client.session"):
        size_connection_pool(Moved(), "https://fcm.googleapis.com", 7)
