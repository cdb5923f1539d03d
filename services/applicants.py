"""Applicants: the people an account applies for (the holder, children).

Every read and write is scoped to the owning account: another account's applicant is simply
"not found", so its existence is never revealed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from services.db import db, transactional
from services.errors import Conflict, NotFound
from services.models import Account, Applicant

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
    for field in EDITABLE_FIELDS:
        if field in changes:
            setattr(applicant, field, changes[field])
    db.session.flush()
    return applicant


@transactional
def delete_applicant(account: Account, applicant_id: int) -> None:
    from services.documents import forget_applicant_documents  # documents import this module

    applicant = get_applicant(account, applicant_id)
    forget_applicant_documents(applicant.id)
    db.session.delete(applicant)
