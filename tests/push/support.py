"""Shared helpers for the push tests (plain functions, so they work with --noconftest)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from firebase_admin import _http_client

from push.base import PushMessage
from push.fcm import FcmPushSender
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer

PROJECT = "palm-test"
_app_names = itertools.count()


def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the SDK's retry *count* (tests assert it) but drop its 0+1+2+4 s backoff.

    The SDK's requests adapters all share this one Retry object, so patching the instance
    covers every session, including the one mounted by repoint_messaging_service.
    """
    monkeypatch.setattr(_http_client.DEFAULT_RETRY_CONFIG, "backoff_factor", 0)


@contextmanager
def fcm_sender(**kwargs: Any) -> Iterator[tuple[FakeFcmServer, FcmPushSender]]:
    """A FakeFcmServer and an FcmPushSender (real SDK, fake credential) wired to it."""
    with FakeFcmServer() as fcm:
        options: dict[str, Any] = {
            "project_id": PROJECT,
            "credential": FakeCredential(),
            "endpoint": fcm.url,
            "app_name": f"push-test-{next(_app_names)}",
        }
        options.update(kwargs)
        with FcmPushSender(**options) as sender:
            yield fcm, sender


def msg(token: str, n: int = 0, **kwargs: Any) -> PushMessage:
    """A small valid message; ``n`` makes notification ids distinct."""
    return PushMessage(
        token=token,
        title="Appointment confirmed",
        body="See you on Monday",
        data=kwargs.pop("data", {"kind": "appointment"}),
        notification_id=f"notif-{n}",
        **kwargs,
    )
