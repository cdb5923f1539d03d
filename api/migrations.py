"""Flask-Migrate (``flask db ...``), bound to the app only when migrations are asked for.

Migrations run once per release from the command line (``flask --app api db upgrade``),
and in the tests and benchmarks that build a database; a web or Celery worker never runs
one. Importing Flask-Migrate imports Alembic and Mako (and Mako's Pygments plug-in where
Pygments is installed, as in the dev venv): 3.7 MB of every worker's resident memory in
a production install, 7.4 MB in the dev venv (``python -m bench.memory_profile``). So
``create_app`` registers two stand-ins instead, and the first use of either binds the real
Flask-Migrate to the app:

- ``flask db`` is a command group that loads Flask-Migrate's own group when the CLI looks
  inside it (to list, run or show the help of a subcommand);
- ``app.extensions["migrate"]`` loads it when something reads it, so Flask-Migrate's
  functions (``flask_migrate.upgrade()`` in an app context, ``migrations/env.py``) work
  unchanged.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask

MIGRATIONS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations"
)


def init_migrations(app: Flask) -> Any:
    """Bind Flask-Migrate to ``app`` now (once); return ``app.extensions["migrate"]``."""
    bound = app.extensions.get("migrate")
    if bound is not None and not isinstance(bound, _MigrationsOnDemand):
        return bound
    from flask_migrate import Migrate

    from services.core.db import db

    # Replaces both stand-ins: app.extensions["migrate"] and the "db" command group.
    Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    return app.extensions["migrate"]


class _MigrationsOnDemand:
    """``app.extensions["migrate"]`` until something reads one of its attributes."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(init_migrations(self._app), name)


class _MigrationCommands(click.Group):
    """``flask db``: Flask-Migrate's group, loaded when the CLI asks for its commands."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _loaded(self) -> click.Group:
        init_migrations(self._app)
        return self._app.cli.commands["db"]

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The real group parses its own options (-d, -x) and runs its own callback.
        return self._loaded().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._loaded().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._loaded().get_command(ctx, cmd_name)


def register_migrations(app: Flask) -> None:
    """Give ``app`` its migrations without importing Flask-Migrate (see the module's doc)."""
    app.extensions["migrate"] = _MigrationsOnDemand(app)
    app.cli.add_command(_MigrationCommands(app))
