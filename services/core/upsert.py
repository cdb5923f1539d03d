"""``INSERT ... ON CONFLICT DO NOTHING`` for PostgreSQL and SQLite alike.

For rows that two requests or workers may insert at the same moment (a double tap, two
syncs of one account): the loser's insert becomes a no-op instead of an IntegrityError
that would abort its whole transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from services.core.db import db


def insert_ignoring_conflicts(
    model: type, rows: Sequence[dict[str, Any]], conflict_columns: Sequence[str]
) -> None:
    """Insert ``rows`` into ``model``'s table, skipping those that hit ``conflict_columns``'
    unique constraint. Runs in the caller's transaction."""
    if not rows:
        return
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns))
    db.session.execute(statement, list(rows))
