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
    from services.db import db

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

    from services.db import db
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
