"""A connection lost in a way that hides itself is still a lost connection.

During a PostgreSQL restart, SQLAlchemy's psycopg pre-ping met a closed socket
(``OperationalError``), and its ``finally`` then failed to restore autocommit on the dying
connection (``ProgrammingError: can't change 'autocommit' now``), which replaced the
disconnect: the request answered 500. These tests force that path deterministically, in the
driver itself, instead of waiting for the race: the pool must reconnect (the request is
answered) or, when the server is really gone, answer 503 with ``Retry-After``. And any
driver error raised while handling a lost connection is a 503, wherever it surfaces.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import ProgrammingError

from services.core.db import hides_a_lost_connection

AUTOCOMMIT_REFUSED = "can't change 'autocommit' now: connection in transaction status ACTIVE"


@contextmanager
def dying_pre_ping(monkeypatch, *, reconnect_fails: bool) -> Iterator[dict[str, int]]:
    """The next pre-ping loses its socket, then restoring autocommit raises, exactly as
    psycopg does on a connection whose query never ended. With ``reconnect_fails`` the
    pool's new connection is refused too (the server is down)."""
    import psycopg

    state = {"pings_broken": 0, "connects_refused": 0, "armed": 1}
    real_execute = psycopg.Cursor.execute
    real_set_autocommit = psycopg.Connection._set_autocommit
    real_connect = psycopg.connect

    def execute(self, query, *args, **kwargs):
        if state["armed"] and query == ";":  # the psycopg dialect's ping
            state["armed"] = 0
            state["pings_broken"] += 1
            self.connection._dying = True
            raise psycopg.OperationalError("consuming input failed: connection socket closed")
        return real_execute(self, query, *args, **kwargs)

    def set_autocommit(self, value):
        if getattr(self, "_dying", False):
            raise psycopg.ProgrammingError(AUTOCOMMIT_REFUSED)
        return real_set_autocommit(self, value)

    def connect(*args, **kwargs):
        if reconnect_fails and state["pings_broken"]:
            state["connects_refused"] += 1
            raise psycopg.OperationalError("connection refused: the server is restarting")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    monkeypatch.setattr(psycopg.Connection, "_set_autocommit", set_autocommit)
    monkeypatch.setattr(psycopg, "connect", connect)  # what the dialect calls
    yield state
    monkeypatch.undo()


def _warm(client, headers) -> None:
    """Use the pool once, so that the next checkout pre-pings (fresh ones are not)."""
    assert client.get("/api/v1/me", headers=headers).status_code == 200


@pytest.mark.postgres
def test_a_pre_ping_hiding_its_disconnect_reconnects_and_answers(client, make, monkeypatch):
    headers = make.auth(make.citizen())
    _warm(client, headers)
    with dying_pre_ping(monkeypatch, reconnect_fails=False) as state:
        response = client.get("/api/v1/me", headers=headers)
    assert state["pings_broken"] == 1  # the path was taken
    assert response.status_code == 200, response.get_json()


@pytest.mark.postgres
def test_a_pre_ping_hiding_its_disconnect_while_the_server_is_down_is_a_503(
    client, make, monkeypatch
):
    headers = make.auth(make.citizen())
    _warm(client, headers)
    with dying_pre_ping(monkeypatch, reconnect_fails=True) as state:
        response = client.get("/api/v1/me", headers=headers)
    assert state["pings_broken"] == 1
    assert state["connects_refused"] >= 1
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"] == "service_unavailable"
    assert response.headers["Retry-After"]
    # The server is back: the next request is answered on a new connection.
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_driver_error_raised_while_the_connection_was_lost_is_a_503(client, make, monkeypatch):
    """Wherever it surfaces (not only in the pool): the error's context is the disconnect."""
    from services.accounts import accounts

    headers = make.auth(make.citizen())

    def connection_lost(*_args, **_kwargs):
        try:
            raise sqlite3.OperationalError("disk I/O error: connection lost")
        except sqlite3.OperationalError:
            try:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            except sqlite3.ProgrammingError as hidden:
                raise ProgrammingError("SELECT 1", {}, hidden) from None

    monkeypatch.setattr(accounts, "account_of_session", connection_lost)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"] == "service_unavailable"
    assert response.headers["Retry-After"]


def test_a_programming_error_of_our_own_stays_a_500(client, make, monkeypatch):
    from services.accounts import accounts

    headers = make.auth(make.citizen())

    def our_bug(*_args, **_kwargs):
        raise ProgrammingError("SELECT nope", {}, sqlite3.ProgrammingError("no such column"))

    monkeypatch.setattr(accounts, "account_of_session", our_bug)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"


def test_what_counts_as_a_hidden_disconnect():
    def raised_while_handling(cause: BaseException, error: BaseException) -> BaseException:
        try:
            try:
                raise cause
            except Exception:
                raise error  # noqa: B904 (the implicit context is the point)
        except Exception as caught:
            return caught

    assert hides_a_lost_connection(
        raised_while_handling(sqlite3.OperationalError("gone"), sqlite3.ProgrammingError("x"))
    )
    assert hides_a_lost_connection(sqlite3.ProgrammingError(AUTOCOMMIT_REFUSED))
    assert not hides_a_lost_connection(sqlite3.ProgrammingError("no such column"))
    assert not hides_a_lost_connection(None)
    # An operational error on its own is not "hidden" (the handler already knows it).
    assert not hides_a_lost_connection(sqlite3.IntegrityError("UNIQUE constraint failed"))
