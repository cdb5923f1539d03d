"""Applicants: the people an account applies for (the holder, children).

Every read and write is scoped to the owning account: another account's applicant is simply
"not found", so its existence is never revealed. An applicant with an appointment still to
come cannot be deleted (the seat would stay taken by nobody); deleting one removes their
documents and past appointments, and leaves their applications as the records they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, select, update

from services.core import signals
from services.core.db import db, transactional
from services.core.errors import Conflict, NotFound
from services.models import Account, Applicant, Appointment
from services.models.appointments import ACTIVE_STATES

EDITABLE_FIELDS = (
    "relationship",
    "surname_latin",
    "given_names_latin",
    "surname_native",
    "given_names_native",
    "date_of_birth",
    "sex",
    "nationality",
    "passport_number",
)


def applicants_query(account: Account) -> Select:
    return select(Applicant).where(Applicant.account_id == account.id).order_by(Applicant.id)


def get_applicant(account: Account, applicant_id: int) -> Applicant:
    applicant = db.session.get(Applicant, applicant_id)
    if applicant is None or applicant.account_id != account.id:
        raise NotFound("applicant_not_found")
    return applicant


def _ensure_single_self(account: Account, relationship: str, exclude_id: int | None) -> None:
    if relationship != "self":
        return
    query = select(Applicant.id).where(
        Applicant.account_id == account.id, Applicant.relationship == "self"
    )
    if exclude_id is not None:
        query = query.where(Applicant.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict("applicant_self_exists")


@transactional
def create_applicant(account: Account, data: dict[str, Any]) -> Applicant:
    _ensure_single_self(account, data["relationship"], None)
    applicant = Applicant(account_id=account.id, **{k: data.get(k) for k in EDITABLE_FIELDS})
    db.session.add(applicant)
    db.session.flush()
    return applicant


@transactional
def update_applicant(account: Account, applicant_id: int, changes: dict[str, Any]) -> Applicant:
    applicant = get_applicant(account, applicant_id)
    if "relationship" in changes:
        _ensure_single_self(account, changes["relationship"], applicant.id)
    identity = (applicant.passport_number, applicant.date_of_birth)
    for field in EDITABLE_FIELDS:
        if field in changes:
            setattr(applicant, field, changes[field])
    db.session.flush()
    if (applicant.passport_number, applicant.date_of_birth) != identity:
        # "One request per person" is keyed on these: releases re-check it (and refuse the
        # change with a 409 when it would make one person hold two requests).
        signals.applicant_identity_changed.send(applicant.id)
    return applicant


@transactional
def delete_applicant(account: Account, applicant_id: int) -> None:
    applicant = get_applicant(account, applicant_id)
    # Lock the row before the check: a booking for this applicant that commits meanwhile is
    # seen by it, and one that starts later fails its foreign key (and is told the applicant
    # is gone). FOR UPDATE on PostgreSQL (it blocks the key-share lock a referencing insert
    # takes); on SQLite only a write takes the database's write lock, hence the no-op update.
    db.session.execute(select(Applicant.id).where(Applicant.id == applicant.id).with_for_update())
    db.session.execute(
        update(Applicant)
        .where(Applicant.id == applicant.id)
        .values(id=Applicant.id)
        .execution_options(synchronize_session=False)
    )
    if db.session.scalar(
        select(
            exists().where(
                Appointment.applicant_id == applicant.id, Appointment.status.in_(ACTIVE_STATES)
            )
        )
    ):
        raise Conflict("applicant_has_appointments")
    # The foreign keys do the rest on both databases: past appointments are deleted
    # (CASCADE), applications keep their record without the applicant (SET NULL).
    signals.applicant_deleted.send(applicant.id)  # documents forget the stored files
    db.session.delete(applicant)
