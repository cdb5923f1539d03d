"""Shared fixtures: one app per test session on SQLite or on the PostgreSQL named by
``TEST_DATABASE_URL``; the schema is built by the Alembic migrations (so every run tests
them); tables are emptied after each test.

Tests marked ``postgres`` need PostgreSQL, tests marked ``redis`` need ``REDIS_URL``, tests
marked ``browser`` Debian's chromium and its driver. Outside CI they are skipped when the
server or browser is absent; with ``CI=true`` a missing one fails.

Under pytest-xdist (``-n 2``, as the test command runs) each worker is a process with its own
app: its own SQLite file (its own temporary folder), its own PostgreSQL database created on
the server ``TEST_DATABASE_URL`` names, and its own Redis database number.
"""

from __future__ import annotations

import os
import time
import types
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import text

from tests.factories import Factories

IN_CI = os.environ.get("CI", "").lower() == "true"

# The machine is shared: a process descheduled for a quarter of a second would fail an
# example on Hypothesis's 200 ms deadline ("Unreliable test timings"). Speed is measured in
# bench/, not here.
settings.register_profile("palm", deadline=None)
settings.load_profile("palm")

# Midnight UTC: the start of a window of every length the limits use (10 s, a minute, an
# hour, a day), so each test has its limit's whole window before a boundary.
_WINDOWS_START = 20_787 * 86_400


def _xdist_worker() -> int | None:
    """0, 1, ... in a pytest-xdist worker ("gw0", "gw1", ...); None without xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


def _worker_database(url: str, worker: int) -> str:
    """A database of this worker's own on the server of ``url``, created empty."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from api.config import _normalise_db_url

    server = make_url(_normalise_db_url(url))
    name = f"{server.database or 'postgres'}_xdist_{worker}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def _drop_worker_database(url: str, server_url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from api.config import _normalise_db_url

    own = make_url(url)
    engine = create_engine(_normalise_db_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _database_url(tmp_root: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = _xdist_worker()
        return url if worker is None else _worker_database(url, worker)
    # tmp_root is per worker under xdist: one SQLite file each.
    return f"sqlite:///{os.path.join(tmp_root, 'test.sqlite3')}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = _database_url(str(tmp_path_factory.mktemp("db")))
    yield url
    if url != os.environ.get("TEST_DATABASE_URL", url):  # a worker's own: leave nothing behind
        _drop_worker_database(url, os.environ["TEST_DATABASE_URL"])


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from api import create_app
    from api.config import _normalise_db_url

    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": _normalise_db_url(database_url),
            "STORAGE_LOCAL_ROOT": str(instance / "objects"),
            "SANDBOX_PAYMENTS_DB": str(instance / "sandbox.sqlite3"),
            "SEAL_DEV_KEY_FILE": str(instance / "seal-dev-key.pem"),
            # Links the tests compare, whatever FLASK_RUN_PORT the shell running them has.
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
            "MAILBOX_DIR": str(instance / "mailbox"),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from services.core.db import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app


@pytest.fixture(autouse=True)
def _limiter_clock():
    """The in-memory rate limiter's clock, starting at a window boundary and running at the
    real pace.

    The ``limits`` memory storage aligns windows to multiples of their length, and the
    sliding-window counter lets a request in again as soon as a boundary passes between a
    test's requests: a test expecting its third request refused would, now and then, be
    answered 200. Starting every test at the start of a window removes that chance and
    nothing else (counters are emptied after each test). ``api.errors`` computes
    Retry-After from the same clock. A patcher of its own: a test's ``monkeypatch.undo()``
    must not bring the real clock back halfway through.
    """
    started = time.monotonic()
    clock = types.SimpleNamespace(time=lambda: _WINDOWS_START + (time.monotonic() - started))
    import limits.storage.memory
    import limits.strategies

    import api.errors

    with pytest.MonkeyPatch.context() as patcher:
        for module in (limits.storage.memory, limits.strategies, api.errors):
            patcher.setattr(module, "time", clock)
        yield


@pytest.fixture(autouse=True)
def _clean_state(request, app):
    """Empty every table and every rate-limit counter after each test."""
    # A task object used directly (``task.apply()``) runs on Celery's current app, which is
    # the Celery of whichever Flask app was created last (a fault test builds its own): make
    # it the session app's again, so a test never runs a task against another test's database.
    app.extensions["celery"].set_current()
    yield
    from api.extensions import limiter
    from services.core.db import db

    with app.app_context():
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 (our table names)
        limiter.reset()
    from api import cache, edge

    cache.clear()
    edge.clear()


class Mailbox:
    """The embedded sender's folder, read back with the stdlib parser (``mail.read_mailbox``)."""

    def __init__(self, folder) -> None:
        self.folder = folder

    def all(self):
        from mail import read_mailbox

        return read_mailbox(self.folder)

    def to(self, address: str):
        return [m for m in self.all() if m.to.lower() == address.lower()]

    def last_to(self, address: str):
        messages = self.to(address)
        assert messages, f"no message to {address} in {self.folder}"
        return messages[-1]


@pytest.fixture
def mailbox(app) -> Mailbox:
    """The mailbox folder, emptied of earlier tests' messages (it outlives the tables)."""
    from pathlib import Path

    folder = Path(app.config["MAILBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.eml"):
        path.unlink()
    return Mailbox(folder)


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app, client) -> Factories:
    return Factories(app, client)


@pytest.fixture
def is_postgres(app) -> bool:
    from services.core.db import db

    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            # The SQLite pass skips these; the PostgreSQL pass of the test command runs them.
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the test command started; in CI its absence is a failure, not a skip."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("REDIS_URL is not set in CI: the test command must start Redis")
        pytest.skip("needs REDIS_URL (scripts/test.sh starts a Redis)")
    worker = _xdist_worker()
    if worker is not None:
        # Database 1, 2, ... per xdist worker (of Redis's 16): queues and keys never mix.
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{worker % 15 + 1}"))
    return url


CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def browser():
    """Headless chromium driven by selenium (the test command installs both); in CI a
    missing browser is a failure, not a skip."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        message = f"needs {CHROMIUM} and {CHROMEDRIVER} (scripts/test.sh installs them)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def redis_limited_app(app, redis_url):
    """The app with its rate limits in Redis, as in production."""
    from api import create_app
    from api.extensions import limiter

    limited = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": redis_url,
        }
    )
    yield limited
    limiter.reset()
    limiter.init_app(app)
    limiter._storage_dead = False


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (a thread), for clients that need a URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
