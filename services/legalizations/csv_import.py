"""Bulk import of a post's legalizations from a CSV file (UTF-8, with a header).

All or nothing: the whole file is checked first and every bad row is reported with its line
and reason in one answer; nothing is written unless every row is valid, and then all rows
are written in one transaction. Re-importing is safe: a row whose three numbers exist with
the same content is skipped, one whose numbers exist with different content is a reported
conflict. ``dry_run`` checks and counts without writing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.catalogue.catalogue import get_post
from services.core.db import db, transactional
from services.core.errors import InvalidInput, PayloadTooLarge
from services.legalizations.rules import (
    CONTENT_FIELDS,
    NUMBER_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    RECORD_FIELDS,
    validate_record,
)
from services.models import Account, Legalization, Post

REQUIRED_COLUMNS = tuple(f for f in RECORD_FIELDS if f not in OPTIONAL_TEXT_FIELDS)
KNOWN_COLUMNS = frozenset(RECORD_FIELDS)
_CHUNK = 500


@dataclass
class ImportResult:
    import_id: str  # SHA-256 of the file: the same file always has the same id
    dry_run: bool
    rows: int
    created: int
    unchanged: int
    created_ids: list[int] = field(default_factory=list)


class ImportRejected(InvalidInput):
    """The file as a whole is refused; ``errors`` says where and why."""

    def __init__(self, code: str, errors: dict[str, Any] | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.errors = errors


def _row_error(line: int, field: str | None, reason: str, message: str) -> dict[str, Any]:
    return {"line": line, "field": field, "reason": reason, "message": message}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected("import_not_utf8", line=1)
    try:
        return data.decode("utf-8-sig")  # a BOM (as Excel writes it) is accepted and dropped
    except UnicodeDecodeError as exc:
        raise ImportRejected("import_not_utf8", line=data[: exc.start].count(b"\n") + 1) from None


def _dialect(first_line: str) -> str:
    # Excel in many locales writes ';'; accept it (and tabs) when the header says so.
    for delimiter in (",", ";", "\t"):
        if delimiter in first_line:
            return delimiter
    return ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each record, quoted newlines included."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_dialect(text.split("\n", 1)[0]), strict=True
    )
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected(
            "import_rows_invalid",
            {"rows": [_row_error(reader.line_num, None, "malformed_csv", str(exc))]},
            count=1,
        ) from None


def _header(cells: list[str]) -> list[str]:
    columns = [cell.strip().lower().replace(" ", "_") for cell in cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or repeated:
        raise ImportRejected(
            "import_header_invalid",
            {"missing": missing, "unknown": unknown, "repeated": repeated},
            required=", ".join(REQUIRED_COLUMNS),
        )
    return columns


def _existing(numbers: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Legalization]:
    wanted = set(numbers)
    found: dict[tuple[str, str, str], Legalization] = {}
    firsts = sorted({n[0] for n in wanted})
    for start in range(0, len(firsts), _CHUNK):
        chunk = firsts[start : start + _CHUNK]
        query = select(Legalization).where(Legalization.authentication_number.in_(chunk))
        for record in db.session.scalars(query):
            if record.numbers in wanted:
                found[record.numbers] = record
    return found


def _differences(record: Legalization, clean: dict[str, Any], post: Post) -> list[str]:
    changed = [f for f in CONTENT_FIELDS if getattr(record, f) != clean.get(f)]
    if record.post_id != post.id:
        changed.insert(0, "post")
    return changed


@transactional
def import_legalizations(
    actor: Account, post_code: str, data: bytes, *, dry_run: bool = False
) -> ImportResult:
    """Check a whole CSV file, then write all of its new rows or none."""
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    max_bytes = current_app.config["LEGALIZATION_IMPORT_MAX_BYTES"]
    if len(data) > max_bytes:
        raise PayloadTooLarge("import_too_large", max_bytes=max_bytes)
    import_id = hashlib.sha256(data).hexdigest()
    text = _decode(data)
    if not text.strip():
        raise ImportRejected("import_empty")

    records = _records(text)
    _, header_cells = next(records)
    columns = _header(header_cells)
    max_rows = current_app.config["LEGALIZATION_IMPORT_MAX_ROWS"]
    errors: list[dict[str, Any]] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    first_line: dict[tuple[str, str, str], int] = {}
    count = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a trailing newline, a spacer row) are not rows
        count += 1
        if count > max_rows:
            raise ImportRejected("import_too_many_rows", max_rows=max_rows)
        if len(cells) != len(columns):
            message = f"Expected {len(columns)} columns, found {len(cells)}."
            errors.append(_row_error(line, None, "column_count", message))
            continue
        clean, problems = validate_record(dict(zip(columns, cells, strict=True)), post)
        errors.extend(_row_error(line, p.field, p.reason, p.message) for p in problems)
        if problems:
            continue
        numbers = tuple(clean[f] for f in NUMBER_FIELDS)
        if numbers in first_line:
            message = f"The same three numbers are already on line {first_line[numbers]}."
            errors.append(_row_error(line, None, "duplicate_in_file", message))
            continue
        first_line[numbers] = line
        rows.append((line, clean))

    existing = _existing([tuple(clean[f] for f in NUMBER_FIELDS) for _, clean in rows])
    new_rows: list[tuple[int, dict[str, Any]]] = []
    for line, clean in rows:
        record = existing.get(tuple(clean[f] for f in NUMBER_FIELDS))
        if record is None:
            new_rows.append((line, clean))
            continue
        changed = _differences(record, clean, post)
        if changed and changed[0] == "post":  # say nothing of another post's record
            message = "A record with these numbers exists at another post."
            errors.append(_row_error(line, None, "exists_elsewhere", message))
        elif changed:
            message = "A record with these numbers exists with different " + ", ".join(changed)
            errors.append(_row_error(line, None, "conflict", message + "."))

    if errors:
        errors.sort(key=lambda error: error["line"])
        raise ImportRejected(
            "import_rows_invalid",
            {"rows": errors},
            count=len({error["line"] for error in errors}),
        )

    result = ImportResult(
        import_id=import_id,
        dry_run=dry_run,
        rows=len(rows),
        created=len(new_rows),
        unchanged=len(rows) - len(new_rows),
    )
    if dry_run or not new_rows:
        return result
    created = [
        Legalization(
            **clean,
            post=post,
            created_by_id=actor.id,
            source_import_id=import_id,
            source_line=line,
        )
        for line, clean in new_rows
    ]
    db.session.add_all(created)
    db.session.flush()
    result.created_ids = [record.id for record in created]
    record_audit(
        actor,
        "legalization.import",
        "legalization_import",
        import_id,
        post_id=post.id,
        details={"rows": result.rows, "created": result.created, "unchanged": result.unchanged},
    )
    return result
