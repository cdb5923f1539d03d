"""A worker's resident memory (issue 19): what its app leaves unimported, the migration
commands and Flask-Migrate handle that stand in for Flask-Migrate until they are used, and
the OpenAPI document written only when something reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Never used by a web or Celery worker on PostgreSQL; each costs resident memory (MB,
# `python -m bench.memory_profile`): Flask-Migrate with Alembic and Mako 3.7 (7.4 with
# Mako's Pygments plug-in), sqlite3 0.9; the test libraries must never be reached from the
# app at all.
NOT_IMPORTED = [
    "flask_migrate",
    "alembic",
    "mako",
    "sqlite3",
    "hypothesis",
    "pytest",
]

_PROBE = """
import json, sys
from api import create_app

create_app({
    "APP_ENV": "testing",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@127.0.0.1:1/none",
    "SEAL_DEV_KEY_FILE": sys.argv[1],
})
print(json.dumps(sorted(name for name in sys.argv[2:] if sys.modules.get(name) is not None)))
"""


def test_a_worker_on_postgresql_imports_no_migration_cli_or_test_library(tmp_path):
    # A fresh interpreter: this one has imported all of them for the tests.
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "seal.pem"), *NOT_IMPORTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == []


def test_flask_db_loads_flask_migrate_with_its_own_options(app, tmp_path):
    listed = app.test_cli_runner().invoke(args=["db", "--help"])
    assert listed.exit_code == 0, listed.output
    assert "upgrade" in listed.output
    assert "--directory" in listed.output  # the real group's option, parsed by it
    # The command line itself, as a release runs it (Alembic prints to the real stdout).
    heads = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "api", "db", "-d", "migrations", "heads"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert heads.returncode == 0, heads.stderr
    assert heads.stdout.strip().endswith("(head)")


def test_the_migrate_extension_is_flask_migrates_once_read(app):
    from flask_migrate import Migrate

    from api.migrations import MIGRATIONS_DIR

    handle = app.extensions["migrate"]
    assert handle.directory == MIGRATIONS_DIR
    assert isinstance(handle.migrate, Migrate)
    assert handle.configure_args["compare_type"] is True
    assert handle.configure_args["render_as_batch"] is True


def _query_parameters_from_the_document(app) -> dict[tuple[str, str], set[str]]:
    """The table as read from the built OpenAPI document (what the app did before)."""
    import re

    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with app.test_request_context():
        paths = api.spec.to_dict()["paths"]
    table: dict[tuple[str, str], set[str]] = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method, operation in paths.get(path, {}).items():
            if not isinstance(operation, dict) or method.upper() not in (rule.methods or ()):
                continue
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            table[(rule.endpoint, method.upper())] = names
            if method == "get":
                table[(rule.endpoint, "HEAD")] = names
    return table


def test_the_query_parameters_checked_are_those_the_document_lists_on_every_route(app):
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    table = api.documented_query_parameters()
    assert table == _query_parameters_from_the_document(app)
    assert table[("catalogue.Posts", "GET")] >= {"country", "page", "page_size"}


def test_the_document_is_written_on_first_read_only(tmp_path):
    from api import create_app

    fresh = create_app({"APP_ENV": "testing", "SEAL_DEV_KEY_FILE": str(tmp_path / "k.pem")})
    api = fresh.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    client = fresh.test_client()
    refused = client.get("/api/v1/posts?contry=FR")  # checked without the document
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"query": {"contry": ["Unknown field."]}}
    assert api._undocumented, "the document was written before anything read it"
    document = client.get("/api/v1/docs/openapi.json").get_json()
    assert not api._undocumented
    assert "/api/v1/posts" in document["paths"]
    assert {"name": "catalogue", "description": fresh.blueprints["catalogue"].description} in (
        document["tags"]
    )
