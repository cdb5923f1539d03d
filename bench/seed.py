"""The data every load run starts from: the schema migrated and the demo loaded, in this
process, with the run's settings in the environment only while it is built."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def demo_app(env: dict[str, str]) -> Iterator[tuple[object, object]]:
    """Yields (app, the Paris demo officer) inside an app context, on a migrated database
    holding the demo data; the environment is given back afterwards."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from flask_migrate import upgrade

        from api import create_app
        from services.core.db import db
        from services.demo import seed_demo
        from services.models import Account

        app = create_app()
        with app.app_context():
            upgrade()
            seed_demo()
            officer = db.session.scalar(
                db.select(Account).where(Account.email == "officer.paris@demo.palm")
            )
            yield app, officer
    finally:
        os.environ.clear()
        os.environ.update(saved)
