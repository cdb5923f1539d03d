"""Consular legalizations: officers record and revoke them; anyone checks one.

Officers act only on their own post's records (``require_post_scope``), and every change is
audited. The public lookup needs all three numbers printed on the sticker and answers only
what the ministry publishes: the submitter's name is masked when it is a person, internal
notes, revocation reasons and officer ids never leave. Every miss is the same
``legalization_not_found``, found by one query on the unique index of the three numbers,
so neither the answer nor the work done tells which of the numbers was right.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select

from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.catalogue.catalogue import get_post
from services.core.db import db, read_rows, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.masking import mask_person_name
from services.legalizations.rules import (
    NUMBER_FIELDS,
    Problem,
    normalise_number,
    validate_record,
)
from services.models import Account, Legalization, Post
from services.models.types import utcnow

NOT_FOUND = "legalization_not_found"


class InvalidRecord(InvalidInput):
    """A record that breaks a rule; ``errors`` lists the fields like a schema's 422 does."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("validation_error")
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field or "_schema", []).append(problem.message)
        self.errors = {"json": errors}


@dataclass(frozen=True)
class PublicLegalization:
    """What anyone holding the sticker may see: the ministry's published fields only."""

    authentication_number: str
    sub_number: str
    sticker_number: str
    submitter_kind: str
    submitter_name: str
    country_of_use: str
    document_type: str
    document_title: str | None
    issuer: str
    signer: str
    legalized_on: date
    place: str
    post_code: str
    post_names: dict[str, str]
    status: str
    revoked_at: datetime | None


def public_view(record: Legalization) -> PublicLegalization:
    return _published(record, record.post.code, record.post.names)


# The record's own published columns: every field of ``PublicLegalization`` but its post's.
_PUBLIC_COLUMNS = tuple(
    field.name
    for field in fields(PublicLegalization)
    if field.name not in ("post_code", "post_names")
)


def _published(source: Any, post_code: str, post_names: dict | None) -> PublicLegalization:
    """The public answer from a record or a row of its published columns: the one place
    that decides what anyone holding the sticker sees (a person's name masked)."""
    shown = {name: getattr(source, name) for name in _PUBLIC_COLUMNS}
    if source.submitter_kind == "person":
        shown["submitter_name"] = mask_person_name(source.submitter_name)
    return PublicLegalization(**shown, post_code=post_code, post_names=dict(post_names or {}))


def find_by_numbers(numbers: tuple[str, str, str]) -> Legalization | None:
    """One query on the unique index of the three (normalised) numbers, post joined."""
    authentication_number, sub_number, sticker_number = numbers
    return db.session.scalar(
        select(Legalization).where(
            Legalization.authentication_number == authentication_number,
            Legalization.sub_number == sub_number,
            Legalization.sticker_number == sticker_number,
        )
    )


_LEGALIZATION, _POST = Legalization.__table__, Post.__table__
# The public lookup's one statement: the published columns and the post's code and names,
# through the unique index of the three numbers. Built once (``read_rows``).
_LOOKUP = (
    select(
        *(_LEGALIZATION.c[name] for name in _PUBLIC_COLUMNS),
        _POST.c.code.label("post_code"),
        _POST.c.names.label("post_names"),
    )
    .select_from(_LEGALIZATION.join(_POST, _POST.c.id == _LEGALIZATION.c.post_id))
    .where(
        _LEGALIZATION.c.authentication_number == bindparam("authentication_number"),
        _LEGALIZATION.c.sub_number == bindparam("sub_number"),
        _LEGALIZATION.c.sticker_number == bindparam("sticker_number"),
    )
)


def lookup_legalization(
    authentication_number: str, sub_number: str, sticker_number: str
) -> PublicLegalization:
    """The public answer for the three numbers on a sticker; any miss is the same 404.

    One statement of the published columns, no ORM object (``find_by_numbers`` is the
    officers' way to the record itself)."""
    rows = read_rows(
        _LOOKUP,
        {
            "authentication_number": normalise_number(authentication_number),
            "sub_number": normalise_number(sub_number),
            "sticker_number": normalise_number(sticker_number),
        },
    )
    if not rows:
        raise NotFound(NOT_FOUND)
    row = rows[0]
    return _published(row, row.post_code, row.post_names)


# --- officers ------------------------------------------------------------------------------


def get_legalization(actor: Account, legalization_id: int) -> Legalization:
    """A record of a post the officer belongs to (403 for another post's record)."""
    record = db.session.get(Legalization, legalization_id)
    if record is None:
        raise NotFound(NOT_FOUND)
    require_post_scope(actor, record.post)
    return record


def legalizations_query(
    actor: Account,
    post_code: str,
    *,
    status: str | None = None,
    authentication_number: str | None = None,
    source_import_id: str | None = None,
) -> Select:
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    query = select(Legalization).where(Legalization.post_id == post.id)
    if status:
        query = query.where(Legalization.status == status)
    if authentication_number:
        query = query.where(
            Legalization.authentication_number == normalise_number(authentication_number)
        )
    if source_import_id:
        query = query.where(Legalization.source_import_id == source_import_id)
    return query.order_by(Legalization.id.desc())


@transactional
def create_legalization(actor: Account, data: dict[str, Any]) -> Legalization:
    """Record one legalization at a post the officer belongs to."""
    post = get_post(data["post"], include_inactive=True)
    require_post_scope(actor, post)
    clean, problems = validate_record(data, post)
    if problems:
        raise InvalidRecord(problems)
    if find_by_numbers(tuple(clean[f] for f in NUMBER_FIELDS)) is not None:
        raise Conflict("legalization_exists")
    record = Legalization(**clean, post=post, created_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    record_audit(
        actor,
        "legalization.create",
        "legalization",
        record.id,
        post_id=post.id,
        details={field: clean[field] for field in NUMBER_FIELDS},
    )
    return record


@transactional
def revoke_legalization(actor: Account, legalization_id: int, reason: str) -> Legalization:
    """Revoke a record: it stays, its status and revocation date change, the audit says who."""
    record = get_legalization(actor, legalization_id)
    # Lock the row so that two officers revoking at once produce one revocation.
    db.session.refresh(record, with_for_update={"of": Legalization})
    if record.status == "revoked":
        raise Conflict("legalization_already_revoked")
    record.status = "revoked"
    record.revoked_at = utcnow()
    record.revoked_reason = reason.strip()
    record.revoked_by_id = actor.id
    db.session.flush()
    record_audit(
        actor,
        "legalization.revoke",
        "legalization",
        record.id,
        post_id=record.post_id,
        details={"reason": record.revoked_reason},
    )
    return record
