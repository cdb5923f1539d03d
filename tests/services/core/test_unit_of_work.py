"""The unit of work's deferred writes (``write_at_commit``): sent at its end, before its
last steps, in one statement on PostgreSQL; a check that refuses one rolls all back."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import bindparam, literal, select, update

from services.core.db import db, read_at_commit, unit_of_work, write_at_commit
from services.models import Account
from tests.statements import statements_of

RENAME = (
    update(Account)
    .where(Account.id == bindparam("account_id"))
    .values(display_name=bindparam("name"))
    .execution_options(synchronize_session=False)
)


def _names(*ids: int) -> list[str | None]:
    return [db.session.scalar(select(Account.display_name).filter_by(id=i)) for i in ids]


def test_deferred_writes_go_at_the_end_before_the_deferred_reads(app, make):
    """Two writes of one statement (same names, same table) in one: each its own values,
    the table's ``onupdate`` column (``updated_at``) set by each."""
    first, second = make.citizen(), make.citizen()
    happened: list = []
    with app.app_context(), statements_of(app) as seen:
        before = [db.session.get(Account, i).updated_at for i in (first.id, second.id)]
        db.session.rollback()
        seen.clear()
        with unit_of_work():
            for key, account_id in (("first", first.id), ("second", second.id), ("none", 0)):
                write_at_commit(
                    RENAME,
                    {"account_id": account_id, "name": key},
                    check=lambda count, key=key: happened.append((key, count)),
                )
            read_at_commit(select(literal(1)), {}, check=lambda _row: happened.append("read"))
            assert happened == [] and seen == []  # nothing sent yet
        # Each check got the rows its write changed, before the read's check ran.
        assert happened == [("first", 1), ("second", 1), ("none", 0), "read"]
        postgres = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
        # The writes in one statement on PostgreSQL (the read its own, after them).
        assert len(seen) == (2 if postgres else 4), seen
        db.session.rollback()
        assert _names(first.id, second.id) == ["first", "second"]
        after = [db.session.get(Account, i).updated_at for i in (first.id, second.id)]
        assert after[0] > before[0] and after[1] > before[1]


def test_a_check_that_refuses_rolls_the_whole_unit_back(app, make):
    first, second = make.citizen(), make.citizen()

    def refuse(count: int) -> None:
        raise LookupError(count)

    with app.app_context():
        with pytest.raises(LookupError), unit_of_work():
            write_at_commit(RENAME, {"account_id": first.id, "name": "first"})
            write_at_commit(RENAME, {"account_id": second.id, "name": "second"}, check=refuse)
        assert _names(first.id, second.id) == [None, None]
        # Outside a unit of work, the write goes at once (the caller commits).
        write_at_commit(RENAME, {"account_id": first.id, "name": "now"})
        assert _names(first.id) == ["now"]
        db.session.rollback()
