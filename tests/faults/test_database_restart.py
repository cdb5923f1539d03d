"""PostgreSQL restarted under load: the app recovers by itself (pool pre-ping), answers
clean 503s meanwhile, and a client retrying with its Idempotency-Key creates each record
exactly once: nothing lost, nothing doubled."""

from __future__ import annotations

import threading
import time
from contextlib import suppress

import pytest
from sqlalchemy import func, select, text

from bench.servers import postgres, restart_postgres
from tests.factories import PASSWORD


def _letters(number: int) -> str:
    """0 -> A, 25 -> Z, 26 -> BA: names must be Latin letters."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(65 + digit) + text
        if number == 0:
            return text


@pytest.fixture
def own_database(app):
    """An app on a PostgreSQL cluster of this test's own, so that it can be restarted."""
    from flask_migrate import upgrade

    from api import create_app
    from api.extensions import limiter

    with postgres(force_new=True) as url:
        restarted = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with restarted.app_context():
            upgrade()
        yield restarted
        limiter.init_app(app)  # the limiter is shared: give it back to the suite's app


@pytest.mark.postgres
def test_a_restart_under_load_loses_and_doubles_nothing(own_database):
    from services import accounts
    from services.db import db
    from services.models import Applicant

    app = own_database
    with app.app_context():
        accounts.register_citizen(email="load@example.org", phone=None, password=PASSWORD)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"email": "load@example.org", "password": PASSWORD}
    ).get_json()["access_token"]

    created: set[str] = set()
    statuses: list[int] = []
    finished: list[float] = []
    stop = threading.Event()

    def writer(worker: int) -> None:
        n = 0
        local = app.test_client()
        while not stop.is_set():
            key = f"w{worker}-{n}"
            body = {
                "relationship": "child",
                "surname_latin": "Load",
                "given_names_latin": f"Child {_letters(worker)} {_letters(n)}",
                "date_of_birth": "2015-01-01",
                "sex": "F",
                "nationality": "FR",
            }
            for _attempt in range(100):  # retry the same logical request until it lands
                response = local.post(
                    "/api/v1/applicants",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                )
                statuses.append(response.status_code)
                if response.status_code == 201:
                    finished.append(time.monotonic())
                if response.status_code == 201:
                    created.add(key)
                    break
                time.sleep(0.05)
            n += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    restart_postgres(app.config["SQLALCHEMY_DATABASE_URI"])
    restarted_at = time.monotonic()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert 500 not in statuses
    assert set(statuses) <= {201, 401, 503}
    # It recovered by itself: writes succeed again after the restart.
    assert any(t > restarted_at for t in finished)
    with app.app_context():
        with suppress(Exception):
            db.session.execute(text("SELECT 1"))
        rows = db.session.scalar(select(func.count()).select_from(Applicant))
        distinct = db.session.scalar(select(func.count(func.distinct(Applicant.given_names_latin))))
    assert rows == distinct == len(created)
    assert len(created) > 10
