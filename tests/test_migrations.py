"""Migrations: exactly one head, and the migrated schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Config


def test_exactly_one_head(app):
    with app.app_context():
        config = Config(app.extensions["migrate"].directory + "/alembic.ini")
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_models_and_migrations_agree(app):
    """The test database was built by ``flask db upgrade``; autogenerate must find nothing."""
    from services.core.db import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_references_are_enforced_on_every_database(app, make):
    """SQLite too (a PRAGMA per connection): no row may point at nothing, and deleting a
    parent does what its foreign key says, as on PostgreSQL."""
    from datetime import date

    import pytest
    from sqlalchemy import delete, select
    from sqlalchemy.exc import IntegrityError

    from services.core.db import db
    from services.models import Account, Applicant

    def person(account_id: int) -> Applicant:
        return Applicant(
            account_id=account_id,
            relationship="child",
            surname_latin="Tran",
            given_names_latin="Lan",
            date_of_birth=date(2016, 3, 2),
            sex="F",
            nationality="VN",
        )

    citizen = make.citizen()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # fresh connections: not one the migrations happened to leave on
        db.session.add(person(999_999))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

        db.session.add(person(citizen.id))
        db.session.commit()
        db.session.execute(delete(Account).where(Account.id == citizen.id))  # ON DELETE CASCADE
        db.session.commit()
        assert db.session.scalars(select(Applicant.id)).all() == []


def test_old_orphans_on_sqlite_get_what_their_keys_say(app, tmp_path):
    """A database from before foreign keys were enforced on SQLite may hold rows whose
    parent was deleted; upgrading applies each key's ON DELETE to them, through chains."""
    import sqlite3

    from flask_migrate import upgrade

    from api import create_app
    from api.extensions import limiter

    path = tmp_path / "old.sqlite3"
    old = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    try:
        with old.app_context():
            upgrade(revision="2ce1facff21e")
        raw = sqlite3.connect(path)  # foreign keys off, as every connection used to be
        now = "2026-01-01 00:00:00.000000"
        with raw:
            raw.execute(
                "INSERT INTO notification (id, account_id, kind, template, params, language,"
                " title, body, data, emergency, created_at)"
                " VALUES (1, 999, 'status_change', 't', '{}', 'en', 't', 'b', '{}', 0, ?)",
                (now,),
            )
            raw.execute(
                "INSERT INTO device (id, account_id, token, platform, locale, created_at,"
                " last_seen_at) VALUES (1, 999, 'orphan-token', 'ios', 'en', ?, ?)",
                (now, now),
            )
            raw.execute(
                "INSERT INTO delivery (id, notification_id, device_id, status, attempts,"
                " next_attempt_at, created_at) VALUES (1, 1, 1, 'pending', 0, ?, ?)",
                (now, now),
            )
            raw.execute(
                "INSERT INTO audit_log (id, at, actor_id, actor_role, action, target_type,"
                " target_id, details) VALUES (1, ?, 999, 'officer', 'x', 'y', '1', '{}')",
                (now,),
            )
        # the delivery's own parents exist: it is reached only through the cascade
        assert len(raw.execute("PRAGMA foreign_key_check").fetchall()) == 3

        with old.app_context():
            upgrade()
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("notification", "device", "delivery"):  # CASCADE, two levels deep
            assert raw.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608
        assert raw.execute("SELECT id, actor_id FROM audit_log").fetchall() == [(1, None)]
        raw.close()
    finally:
        limiter.init_app(app)  # the limiter is shared: give it back to the suite's app
