"""Travellers' requests in a release: submit, change and withdraw while its window is open.

Any moment in the window counts the same (the draw ignores when a request came). The rules:
one live request per person across accounts (the peppered person key of passport number
and date of birth, ``person_key``), at most ``max_per_account`` live requests per account,
one to three ranked preferences within the release's days. Each submission, change and
withdrawal takes the release row in shared mode, so the draw (which takes it exclusively)
never runs while one is half done.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from services.accounts.applicants import get_applicant
from services.core import clock
from services.core.db import db, is_foreign_key_violation, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.models import ACTIVE_STATES, Account, Applicant, Appointment, Release, ReleaseRequest
from services.releases.person_key import person_key
from services.releases.rules import person_pepper, public_id, store_preferences
from services.releases.windows import get_release, phase


def _open_release(release_public_id: str) -> Release:
    release = get_release(release_public_id)
    db.session.execute(
        select(Release.id).where(Release.id == release.id).with_for_update(read=True)
    ).all()
    db.session.refresh(release)
    if phase(release, clock.now()) != "open":
        raise Conflict("release_not_open")
    return release


def _lock_account(account: Account) -> None:
    # Serialises one account's requests, so the per-account limit sees its twins.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update()).all()


@transactional
def submit_request(
    account: Account, release_public_id: str, *, applicant_id: int, preferences: list[dict]
) -> ReleaseRequest:
    release = _open_release(release_public_id)
    applicant = get_applicant(account, applicant_id)
    stored = store_preferences(preferences, release.first_day, release.last_day)
    if not applicant.passport_number:
        raise InvalidInput("passport_number_required")
    try:
        key = person_key(
            applicant.passport_number,
            applicant.date_of_birth,
            pepper=person_pepper(),
            scope=release.public_id,
        )
    except ValueError:
        raise InvalidInput("passport_number_required") from None
    busy = db.session.scalar(
        select(Appointment.id)
        .where(
            Appointment.applicant_id == applicant.id,
            Appointment.service_type_id == release.service_type_id,
            Appointment.status.in_(ACTIVE_STATES),
        )
        .limit(1)
    )
    if busy is not None:
        raise Conflict("duplicate_appointment")
    _lock_account(account)
    live = db.session.scalar(
        select(func.count())
        .select_from(ReleaseRequest)
        .where(
            ReleaseRequest.release_id == release.id,
            ReleaseRequest.account_id == account.id,
            ReleaseRequest.status == "live",
        )
    )
    if live >= release.max_per_account:
        raise Conflict("release_request_limit_reached", limit=release.max_per_account)
    if db.session.scalar(
        select(ReleaseRequest.id).where(
            ReleaseRequest.release_id == release.id,
            ReleaseRequest.person_key == key,
            ReleaseRequest.status == "live",
        )
    ):
        raise Conflict("person_already_requested")
    request = ReleaseRequest(
        public_id=public_id("RQ"),
        release_id=release.id,
        account_id=account.id,
        applicant_id=applicant.id,
        person_key=key,
        preferences=stored,
        status="live",
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if is_foreign_key_violation(exc):
            raise NotFound("applicant_not_found") from None
        # The unique index on the person key: a twin request from another account won.
        raise Conflict("person_already_requested") from None
    return request


def requests_query(account: Account, *, release_public_id: str | None = None) -> Select:
    query = select(ReleaseRequest).where(ReleaseRequest.account_id == account.id)
    if release_public_id:
        query = query.join(Release).where(Release.public_id == release_public_id)
    return query.order_by(ReleaseRequest.id.desc())


def get_request(account: Account, request_id: int) -> ReleaseRequest:
    request = db.session.get(ReleaseRequest, request_id)
    if request is None or request.account_id != account.id:
        raise NotFound("release_request_not_found")
    return request


def _live_request(account: Account, request_id: int) -> ReleaseRequest:
    request = get_request(account, request_id)
    _open_release(request.release.public_id)
    db.session.refresh(request)
    if request.status != "live":
        raise Conflict("release_request_withdrawn")
    return request


@transactional
def change_request(account: Account, request_id: int, *, preferences: list[dict]) -> ReleaseRequest:
    """New preferences; the request keeps its public id, so its draw does not change."""
    request = _live_request(account, request_id)
    release = request.release
    request.preferences = store_preferences(preferences, release.first_day, release.last_day)
    request.updated_at = clock.now()
    return request


@transactional
def withdraw_request(account: Account, request_id: int) -> ReleaseRequest:
    """Withdraw during the window (the person may ask again, under a new public id).
    Withdrawing twice answers the withdrawn request again."""
    request = get_request(account, request_id)
    if request.status == "withdrawn":
        return request
    request = _live_request(account, request_id)
    request.status = "withdrawn"
    request.withdrawn_at = clock.now()
    return request


def request_view(request: ReleaseRequest) -> dict[str, Any]:
    release = request.release
    return {
        "id": request.id,
        "public_id": request.public_id,
        "release": release.public_id,
        "applicant_id": request.applicant_id,
        "preferences": request.preferences,
        "status": request.status,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "place": request.place,
        "outcome": request.outcome,
        "won_preference": request.won_preference,
        "appointment_id": request.appointment_id,
        "waitlist_entry_id": request.waitlist_entry_id,
    }


def rekey_live_requests(applicant_id: int) -> None:
    """Recompute the person key of the applicant's live requests after its passport number or
    date of birth changed (in the caller's unit of work). Without it, a traveller could ask
    under one passport number and change it back afterwards, and one person would hold two
    requests. A key that now meets another live request refuses the change (409
    ``person_already_requested``); a passport number removed refuses it too."""
    rows = db.session.execute(
        select(ReleaseRequest, Release)
        .join(Release, Release.id == ReleaseRequest.release_id)
        .where(ReleaseRequest.applicant_id == applicant_id, ReleaseRequest.status == "live")
        .with_for_update(of=ReleaseRequest)
    ).all()
    if not rows:
        return
    applicant = db.session.get(Applicant, applicant_id)
    for request, release in rows:
        if not applicant.passport_number:
            raise InvalidInput("passport_number_required")
        try:
            key = person_key(
                applicant.passport_number,
                applicant.date_of_birth,
                pepper=person_pepper(),
                scope=release.public_id,
            )
        except ValueError:
            raise InvalidInput("passport_number_required") from None
        if key == request.person_key:
            continue
        if db.session.scalar(
            select(ReleaseRequest.id).where(
                ReleaseRequest.release_id == release.id,
                ReleaseRequest.person_key == key,
                ReleaseRequest.status == "live",
                ReleaseRequest.id != request.id,
            )
        ):
            raise Conflict("person_already_requested")
        request.person_key = key
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("person_already_requested") from None
