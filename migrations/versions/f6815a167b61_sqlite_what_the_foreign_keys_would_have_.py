"""sqlite: what the foreign keys would have done to old rows

Before foreign keys were enforced on SQLite (the embedded default), deleting a row left
the rows referring to it in place. This applies, once, what each key's ON DELETE says:
CASCADE deletes the orphan (and, pass after pass, what referred to it), SET NULL clears
the reference. Orphans of a key without an ON DELETE action are kept and reported: they
are data, and nothing in the app deletes the parents of such keys. PostgreSQL always
enforced its keys: nothing to do there.

Revision ID: f6815a167b61
Revises: 2ce1facff21e
Create Date: 2026-11-26 18:47:35.514357

"""
import logging

from alembic import op

# revision identifiers, used by Alembic.
revision = 'f6815a167b61'
down_revision = '2ce1facff21e'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
MAX_PASSES = 20  # a cascade reaches one level further each pass; our deepest chain is 4


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    kept: set[tuple[str, int]] = set()
    for _ in range(MAX_PASSES):
        changed = 0
        for table, rowid, _parent, key_id in bind.exec_driver_sql("PRAGMA foreign_key_check").all():
            if rowid is None or (table, rowid) in kept:
                continue
            # foreign_key_list: id, seq, table, from, to, on_update, on_delete, match
            key = [row for row in bind.exec_driver_sql(f"PRAGMA foreign_key_list({_quoted(table)})") if row[0] == key_id]
            on_delete = key[0][6].upper()
            if on_delete == "CASCADE":
                bind.exec_driver_sql(f"DELETE FROM {_quoted(table)} WHERE rowid = ?", (rowid,))
            elif on_delete == "SET NULL":
                columns = ", ".join(f"{_quoted(row[3])} = NULL" for row in key)
                bind.exec_driver_sql(f"UPDATE {_quoted(table)} SET {columns} WHERE rowid = ?", (rowid,))
            else:
                kept.add((table, rowid))
                log.warning("kept %s row %s: it refers to a row that no longer exists", table, rowid)
                continue
            changed += 1
        if not changed:
            return


def downgrade():
    pass  # deleted orphans cannot come back, and need not
