"""Applications: opened by an officer, moved through the state machine, followed by the
applicant.

Every transition is one unit of work: the new state, its event (public and internal
notes), the audit row and the applicant's notification are written together or not at
all. Officers act only on their own posts' applications; applicants see only their own,
and never internal notes or officer identities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select, update

from services.accounts.access import require_post_scope
from services.accounts.applicants import get_applicant
from services.accounts.audit import record_audit
from services.applications import texts as application_texts
from services.applications.expected_dates import resume_clock
from services.applications.numbers import format_number
from services.applications.states import (
    CLOCK_PAUSED_STATES,
    CLOCK_RUNNING_STATES,
    COMPLETED_STATES,
    RATING_STATES,
    allowed_next,
    can_move,
)
from services.catalogue.catalogue import get_post, get_service_type
from services.catalogue.working_days import add_working_days, local_date_at
from services.core import clock
from services.core.db import db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.i18n import in_language
from services.models import (
    Account,
    Application,
    ApplicationCounter,
    ApplicationEvent,
    Appointment,
    Fee,
    Post,
)
from services.models.types import utcnow
from services.notifications.notifications import notify

DUE_SOON_DAYS = 3


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, state: str, to: str) -> None:
        allowed = list(allowed_next(state))
        super().__init__(state=state, to=to, allowed=", ".join(allowed) or "-")
        self.errors = {"allowed": allowed}


class ApplicationExists(Conflict):
    code = "application_exists"

    def __init__(self, application_id: int, number: str) -> None:
        super().__init__(number=number)
        self.errors = {"application_id": application_id, "number": number}


# --- opening -----------------------------------------------------------------------------
def _next_sequence(post: Post, year: int) -> int:
    """Take the next number of the post's yearly sequence, race-free.

    The conditional increment is a single UPDATE, so two officers opening applications at
    the same moment get different numbers on both SQLite and PostgreSQL.
    """
    bumped = db.session.execute(
        update(ApplicationCounter)
        .where(ApplicationCounter.post_id == post.id, ApplicationCounter.year == year)
        .values(last=ApplicationCounter.last + 1)
        .returning(ApplicationCounter.last)
    ).scalar()
    if bumped is not None:
        return bumped
    db.session.add(ApplicationCounter(post_id=post.id, year=year, last=1))
    db.session.flush()
    return 1


def _offered_at(post: Post, service_code: str):
    service = get_service_type(service_code)
    offered = db.session.scalar(
        select(Fee.id).where(Fee.post_id == post.id, Fee.service_type_id == service.id)
    )
    if offered is None or not service.is_active:
        raise InvalidInput("service_not_offered")
    return service


def _create(
    actor: Account,
    post: Post,
    service_code: str,
    person: dict[str, Any],
    *,
    account_id: int | None,
    applicant_id: int | None,
    delivery_method: str,
    delivery_address: str | None,
    language: str,
) -> Application:
    service = _offered_at(post, service_code)
    if delivery_method == "courier" and not delivery_address:
        raise InvalidInput("delivery_address_required")
    now = utcnow()
    today = local_date_at(post, now)
    application = Application(
        number=format_number(post.code, today.year, _next_sequence(post, today.year)),
        post_id=post.id,
        service_type_id=service.id,
        account_id=account_id,
        applicant_id=applicant_id,
        surname_latin=person["surname_latin"],
        given_names_latin=person["given_names_latin"],
        date_of_birth=person["date_of_birth"],
        language=language,
        state="submitted",
        delivery_method=delivery_method,
        delivery_address=delivery_address,
        submitted_at=now,
        expected_on=add_working_days(post, today, service.processing_days),
        opened_by=actor.id,
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_state=None,
            to_state="submitted",
            actor_id=actor.id,
            actor_role=actor.role,
        )
    )
    record_audit(actor, "application.open", "application", application.number, post_id=post.id)
    if account_id is not None:
        _notify_state(application, "submitted", None)
    return application


@transactional
def open_walk_in(actor: Account, post_code: str, data: dict[str, Any]) -> Application:
    """Open an application for someone who came without an appointment (if the post allows)."""
    post = get_post(post_code)
    require_post_scope(actor, post)
    if not post.walk_in_applications:
        raise Conflict("walk_in_not_allowed")
    return _create(
        actor,
        post,
        data["service"],
        data["person"],
        account_id=None,
        applicant_id=None,
        delivery_method=data.get("delivery_method", "collection"),
        delivery_address=data.get("delivery_address"),
        language=data.get("language", "en"),
    )


@transactional
def open_from_appointment(
    actor: Account, post_code: str, appointment_id: int, data: dict[str, Any]
) -> Application:
    """Open the application of someone checked in at the counter; the visit is then done."""
    post = get_post(post_code)
    require_post_scope(actor, post)
    appointment = db.session.get(Appointment, appointment_id, with_for_update=True)
    if appointment is None or appointment.post_id != post.id:
        raise NotFound("appointment_not_found")
    # Before the status: opening completes the visit, so a second try (a double tap, a
    # colleague at the next counter) must hear that the application exists, and which.
    existing = db.session.execute(
        select(Application.id, Application.number).where(
            Application.appointment_id == appointment.id
        )
    ).first()
    if existing is not None:
        raise ApplicationExists(existing.id, existing.number)
    if appointment.status != "checked_in":
        raise Conflict("appointment_not_checked_in")
    owner = db.session.get(Account, appointment.account_id)
    application = open_for_applicant(
        actor,
        post.code,
        owner,
        appointment.applicant_id,
        {**data, "service": appointment.service_type.code},
    )
    application.appointment_id = appointment.id
    appointment.status = "completed"
    appointment.completed_at = utcnow()
    db.session.flush()
    return application


@transactional
def open_for_applicant(
    actor: Account, post_code: str, owner: Account, applicant_id: int, data: dict[str, Any]
) -> Application:
    """Open an application for a registered applicant (the appointment flow uses this)."""
    post = get_post(post_code)
    require_post_scope(actor, post)
    applicant = get_applicant(owner, applicant_id)
    person = {
        "surname_latin": applicant.surname_latin,
        "given_names_latin": applicant.given_names_latin,
        "date_of_birth": applicant.date_of_birth,
    }
    return _create(
        actor,
        post,
        data["service"],
        person,
        account_id=owner.id,
        applicant_id=applicant.id,
        delivery_method=data.get("delivery_method", "collection"),
        delivery_address=data.get("delivery_address"),
        language=owner.language,
    )


# --- transitions ---------------------------------------------------------------------------
def _notify_state(application: Application, state: str, note: str | None) -> None:
    data = {"application_id": application.id, "state": state}
    if state in RATING_STATES:
        data["action"] = "rate"  # the notice invites a rating: the app opens that screen
    notify(
        application.account_id,
        "status_change",
        application_texts.template_for(state),
        {
            "number": application.number,
            "note": note or "",
            "tracking_number": application.tracking_number or "",
        },
        data=data,
    )


def _move(
    actor: Account,
    application: Application,
    to: str,
    *,
    public_note: str | None = None,
    internal_note: str | None = None,
    information_requested: str | None = None,
    tracking_number: str | None = None,
) -> Application:
    state = application.state
    if not can_move(state, to):
        raise InvalidTransition(state, to)
    if to == "more_information_required" and not information_requested:
        raise InvalidInput("information_request_required")
    if to == "rejected" and not public_note:
        raise InvalidInput("rejection_reason_required")
    if to == "ready_for_collection" and application.delivery_method != "collection":
        raise Conflict("delivery_method_mismatch", method=application.delivery_method)
    if to == "dispatched":
        if application.delivery_method != "courier":
            raise Conflict("delivery_method_mismatch", method=application.delivery_method)
        if not tracking_number:
            raise InvalidInput("tracking_number_required")
        application.tracking_number = tracking_number
    # Optimistic guard: the row changes only if nobody moved it meanwhile.
    moved = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state == state)
        .values(state=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.refresh(application)
        raise InvalidTransition(application.state, to)
    application.state = to
    if state in CLOCK_PAUSED_STATES:
        # The row is ours now: read the date as committed, then add the days waited.
        db.session.refresh(application, ["expected_on"])
        resume_clock(application, utcnow())
    if to in COMPLETED_STATES and application.completed_at is None:
        application.completed_at = utcnow()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_state=state,
            to_state=to,
            actor_id=actor.id,
            actor_role=actor.role,
            public_note=public_note,
            internal_note=internal_note,
            information_requested=information_requested,
        )
    )
    db.session.flush()
    db.session.expire(application, ["events"])
    if actor.is_staff:
        record_audit(
            actor,
            "application.transition",
            "application",
            application.number,
            post_id=application.post_id,
            details={"from": state, "to": to},
        )
    if application.account_id is not None:
        _notify_state(application, to, public_note)
    return application


@transactional
def transition(actor: Account, application_id: int, to: str, **notes: Any) -> Application:
    """An officer of the application's post moves it to ``to``."""
    application = get_for_staff(actor, application_id)
    return _move(actor, application, to, **notes)


@transactional
def withdraw(owner: Account, application_id: int, reason: str | None) -> Application:
    """The applicant withdraws their own application (only before approval)."""
    return _move(owner, get_for_owner(owner, application_id), "withdrawn", public_note=reason)


# --- reading -----------------------------------------------------------------------------
def get_for_owner(owner: Account, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.account_id != owner.id:
        raise NotFound("application_not_found")
    return application


def get_for_staff(actor: Account, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound("application_not_found")
    require_post_scope(actor, application.post)
    return application


def owner_query(owner: Account) -> Select:
    return (
        select(Application)
        .where(Application.account_id == owner.id)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )


def staff_query(
    actor: Account, post_code: str, *, state: str | None = None, due: str | None = None
) -> Select:
    """A post's applications; ``due`` = "overdue" or "due_soon" (within 3 working days)."""
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    query = select(Application).where(Application.post_id == post.id)
    if state:
        query = query.where(Application.state == state)
    if due:
        today = clock.today_in(post.time_zone)
        # Waiting on the applicant stops the clock: neither overdue nor due soon then.
        query = query.where(Application.state.in_(CLOCK_RUNNING_STATES))
        if due == "overdue":
            query = query.where(Application.expected_on < today)
        else:
            query = query.where(
                Application.expected_on >= today,
                Application.expected_on <= add_working_days(post, today, DUE_SOON_DAYS),
            )
        return query.order_by(Application.expected_on, Application.id)
    return query.order_by(Application.submitted_at.desc(), Application.id.desc())


@dataclass(frozen=True)
class TimelineEntry:
    state: str
    state_name: str
    at: Any
    note: str | None
    information_requested: str | None


def public_timeline(application: Application, language: str) -> list[TimelineEntry]:
    """The events an applicant may see: no internal notes, no officer identities."""
    return timeline_of(application.events, language)


@lru_cache(maxsize=16)
def state_names(language: str) -> dict[str, str]:
    """Every state's name in ``language``, rendered once per process: the catalogues are
    compiled before the app starts, and switching the locale for each entry of each
    timeline was most of a public lookup's own work."""
    with in_language(language):
        return {state: text.render() for state, text in application_texts.STATE_NAMES.items()}


def timeline_of(events: Iterable[Any], language: str) -> list[TimelineEntry]:
    """Timeline entries of events (ORM objects or rows with ``to_state``, ``at``,
    ``public_note`` and ``information_requested``), in the given order."""
    names = state_names(language)
    return [
        TimelineEntry(
            state=event.to_state,
            state_name=names[event.to_state],
            at=event.at,
            note=event.public_note,
            information_requested=event.information_requested,
        )
        for event in events
    ]


def is_overdue(application: Application, today: date | None = None) -> bool:
    if application.state not in CLOCK_RUNNING_STATES:
        return False
    today = today or clock.today_in(application.post.time_zone)
    return application.expected_on < today


def information_requested(application: Application) -> str | None:
    """What the applicant is asked for, while more information is required."""
    if application.state != "more_information_required":
        return None
    for event in reversed(application.events):
        if event.to_state == "more_information_required":
            return event.information_requested
    return None
