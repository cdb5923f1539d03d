"""Expected completion dates after opening: the paused clock and closures added later.

An application opened on day S for a service of P processing days is expected on the P-th
working day after S (weekends and full-day closures skipped, ``add_working_days``). Two
things move that promise afterwards, each by the working days it takes away:

- **Waiting on the applicant.** While an application is in ``more_information_required``
  the post's clock stands still: it is never overdue and leaves the due lists, and when it
  moves on, its expected date moves later by the working days waited (those after the day it
  was asked, up to and including the day it moved on: ``working_days_between``).
- **A closure added later.** Each working day the new closure closes between S and the
  expected date (the day itself included) pushes the expected date one working day later,
  except days of a wait that has ended: those were added as days waited, and no longer count
  as such now that the post is closed on them, so the two cancel out. (Days of a wait still
  going on do count: the days waited are counted when it ends, on the calendar of then.)
  It runs in the closure's transaction (the ``closure_added`` signal) and tells each
  applicant whose date moved, in their language.

Either way the date is where counting from S anew would put it: the P-th working day after
S on which the post was not waiting on the applicant (exactly so for waits that end before
the expected date; a wait that starts after it still adds the days waited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from services.applications import texts as application_texts
from services.applications.states import CLOCK_PAUSED_STATES, PENDING_STATES
from services.catalogue.working_days import (
    add_working_days,
    closed_after,
    closed_dates,
    is_working_day,
    local_date_at,
    working_days_between,
)
from services.core.db import db
from services.core.languages import pick_translation
from services.models import Application, Closure, Post
from services.notifications.notifications import notify_many


def _pauses(application: Application) -> list[tuple[datetime, datetime | None]]:
    """(asked, moved on) instants of each wait on the applicant; None while still waiting."""
    pauses: list[tuple[datetime, datetime | None]] = []
    for event in application.events:
        if pauses and pauses[-1][1] is None and event.from_state in CLOCK_PAUSED_STATES:
            pauses[-1] = (pauses[-1][0], event.at)
        if event.to_state in CLOCK_PAUSED_STATES:
            pauses.append((event.at, None))
    return pauses


def resume_clock(application: Application, now: datetime) -> None:
    """The application leaves ``more_information_required`` now (call before its new event
    is added, with the row locked): move its expected date by the working days waited."""
    pauses = _pauses(application)
    if not pauses or pauses[-1][1] is not None:
        return
    post = application.post
    waited = working_days_between(
        post, local_date_at(post, pauses[-1][0]), local_date_at(post, now)
    )
    if waited:
        application.expected_on = add_working_days(post, application.expected_on, waited)


def _in_ended_wait(post: Post, pauses: list[tuple[datetime, datetime | None]], day: date) -> bool:
    return any(
        moved_on is not None and local_date_at(post, asked) < day <= local_date_at(post, moved_on)
        for asked, moved_on in pauses
    )


@dataclass(frozen=True)
class MovedDate:
    application_id: int
    number: str
    before: date
    after: date


def move_for_closure(closure: Closure) -> list[MovedDate]:
    """Move the open applications' expected dates past the working days ``closure`` closes
    (in the caller's transaction), and tell their applicants. Returns what moved."""
    post = closure.post
    first = local_date_at(post, closure.starts_at)
    last = local_date_at(post, closure.ends_at)
    weekend = post.weekend_days or [6, 7]
    newly_closed = sorted(
        day
        for day in closed_dates(post, first, last)
        - closed_dates(post, first, last, except_closure=closure.id)
        if is_working_day(day, weekend, set())
    )
    if not newly_closed:
        return []
    candidates = (
        db.session.scalars(
            select(Application)
            .where(
                Application.post_id == post.id,
                Application.state.in_(PENDING_STATES),
                Application.expected_on >= newly_closed[0],
                Application.submitted_at < closure.ends_at,
            )
            .order_by(Application.id)
            .with_for_update(of=Application)
            .execution_options(populate_existing=True)
        )
        .unique()
        .all()
    )
    if not candidates:
        return []
    # One read of the calendar, the events (selectin) and the languages for them all.
    closed = closed_after(post, [application.expected_on for application in candidates])
    moved: list[MovedDate] = []
    owned: list[Application] = []
    for application in candidates:
        opened_on = local_date_at(post, application.submitted_at)
        pauses = _pauses(application)
        lost = sum(
            1
            for day in newly_closed
            if opened_on < day <= application.expected_on and not _in_ended_wait(post, pauses, day)
        )
        if not lost:
            continue
        before = application.expected_on
        application.expected_on = add_working_days(post, before, lost, closed=closed)
        moved.append(MovedDate(application.id, application.number, before, application.expected_on))
        if application.account_id is not None:
            owned.append(application)
    db.session.flush()
    _tell(owned, closure)
    return moved


def _tell(applications: list[Application], closure: Closure) -> None:
    """Tell each owner their new date, with the closure's reason in their language."""
    notify_many(
        [
            (
                application.account_id,
                {
                    "number": application.number,
                    "expected_on": application.expected_on.isoformat(),
                },
                {
                    "application_id": application.id,
                    "type": application_texts.EXPECTED_DATE_MOVED,
                    "expected_on": application.expected_on.isoformat(),
                },
            )
            for application in applications
        ],
        "status_change",
        application_texts.EXPECTED_DATE_MOVED,
        params_for=lambda language, params: {
            **params,
            "reason": pick_translation(closure.reason, language or "en") or "",
        },
    )
