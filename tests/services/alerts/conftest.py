"""Fixtures for the safety-alert tests: the app's log push sender (emptied around each
test), the real firebase-admin SDK against a fake FCM, and a cast of staff."""

from __future__ import annotations

from functools import cached_property

import pytest

from tests.push.support import fcm_sender, no_backoff


@pytest.fixture
def log_push(app):
    """The app's embedded ``LogPushSender``, forgotten before and after the test."""
    from services.core.integrations import push_sender

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


class Staff:
    """Officers and admins, created (and logged in) on first use: auth headers by role.

    author, approver and third are officers of posts in France (two posts), german of a
    post in Germany; admin and admin2 are admins.
    """

    def __init__(self, make) -> None:
        self._make = make
        self._posts: dict[str, str] = {}
        self._ids: dict[str, int] = {}

    def _post(self, name: str, **fields) -> str:
        if name not in self._posts:
            self._posts[name] = self._make.post(**fields).code
        return self._posts[name]

    def _login(self, name: str, role: str, posts: list[str]) -> dict:
        account = self._make.staff(role, posts=posts)
        self._ids[name] = account.id
        return self._make.auth(account)

    def id_of(self, name: str) -> int:
        getattr(self, name)
        return self._ids[name]

    @cached_property
    def author(self) -> dict:
        return self._login("author", "officer", [self._post("paris", country="FR")])

    @cached_property
    def approver(self) -> dict:
        return self._login("approver", "officer", [self._post("lyon", country="FR", city="Lyon")])

    @cached_property
    def third(self) -> dict:
        return self._login("third", "officer", [self._post("paris", country="FR")])

    @cached_property
    def german(self) -> dict:
        berlin = self._post("berlin", country="DE", city="Berlin", time_zone="Europe/Berlin")
        return self._login("german", "officer", [berlin])

    @cached_property
    def admin(self) -> dict:
        return self._login("admin", "admin", [])

    @cached_property
    def admin2(self) -> dict:
        return self._login("admin2", "admin", [])


@pytest.fixture
def staff(make) -> Staff:
    return Staff(make)
