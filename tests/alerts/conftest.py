"""Fixtures for the safety-alert tests: the app's log push sender (emptied around each
test), the real firebase-admin SDK against a fake FCM, and a cast of staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.push.support import fcm_sender, no_backoff


@pytest.fixture
def log_push(app):
    """The app's embedded ``LogPushSender``, forgotten before and after the test."""
    from services.integrations import push_sender

    with app.app_context():
        sender = push_sender()
    sender.clear()
    yield sender
    sender.clear()


@pytest.fixture
def fcm(app, monkeypatch):
    """Swap the app's push sender for the FCM adapter (real SDK) on a fake FCM server."""
    no_backoff(monkeypatch)
    with fcm_sender() as (server, sender):
        previous = app.extensions.get("palm_push_sender")
        app.extensions["palm_push_sender"] = sender
        try:
            yield server
        finally:
            if previous is None:
                app.extensions.pop("palm_push_sender", None)
            else:
                app.extensions["palm_push_sender"] = previous


@dataclass
class Staff:
    author: dict  # auth headers, officer of a post in FR
    approver: dict  # another officer in FR
    third: dict  # a third officer in FR
    german: dict  # officer of a post in DE
    admin: dict
    admin2: dict
    author_id: int
    approver_id: int


@pytest.fixture
def staff(make) -> Staff:
    paris = make.post(country="FR")
    lyon = make.post(country="FR", city="Lyon")
    berlin = make.post(country="DE", city="Berlin", time_zone="Europe/Berlin")
    author = make.staff("officer", posts=[paris.code])
    approver = make.staff("officer", posts=[lyon.code])
    third = make.staff("officer", posts=[paris.code])
    german = make.staff("officer", posts=[berlin.code])
    admin, admin2 = make.staff("admin"), make.staff("admin")
    return Staff(
        author=make.auth(author),
        approver=make.auth(approver),
        third=make.auth(third),
        german=make.auth(german),
        admin=make.auth(admin),
        admin2=make.auth(admin2),
        author_id=author.id,
        approver_id=approver.id,
    )
