"""What the public and the staff get beyond the lifecycle: the progress lookup without
login, and the post's metrics for staff (ratings themselves: ``services.applications.ratings``).

The lookup needs the number, the surname and the date of birth. It always runs the same
single indexed query and compares both secrets in constant time, so a wrong surname, a
wrong date of birth and an unknown number are one and the same 404, in the same time.
"""

from __future__ import annotations

import hmac
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from prometheus_client import Counter as PromCounter
from sqlalchemy import bindparam, func, select

from services.accounts.access import require_post_scope
from services.applications.applications import timeline_of
from services.applications.numbers import normalise
from services.applications.states import FINAL_STATES
from services.catalogue.catalogue import get_post
from services.catalogue.working_days import local_date_at
from services.core.db import db, read_rows
from services.core.errors import NotFound
from services.core.masking import mask_person_name
from services.models import Account, Application, ApplicationEvent, ApplicationRating, Post

LOOKUPS = PromCounter("palm_application_lookups_total", "Public progress lookups", ["result"])
NOT_FOUND = "application_not_found"
_HIT, _MISS = LOOKUPS.labels("hit"), LOOKUPS.labels("miss")  # bound once: a lookup is hot


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a Latin name (Nguyễn == NGUYEN)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "")


@dataclass(frozen=True)
class PublicProgress:
    number: str
    name: str
    state: str
    state_name: str
    expected_on: date
    post_code: str
    timeline: list


_APPLICATION, _POST, _EVENT = Application.__table__, Post.__table__, ApplicationEvent.__table__
# One round trip and only the columns the answer shows: the application with its post's
# code, and its events joined (one row per event; a miss finds no row either way). Built
# once: a statement object keeps its cache key (``services.core.db.read_rows``).
_LOOKUP = (
    select(
        _APPLICATION.c.number,
        _APPLICATION.c.surname_latin,
        _APPLICATION.c.given_names_latin,
        _APPLICATION.c.date_of_birth,
        _APPLICATION.c.state,
        _APPLICATION.c.expected_on,
        _POST.c.code.label("post_code"),
        _EVENT.c.to_state,
        _EVENT.c.at,
        _EVENT.c.public_note,
        _EVENT.c.information_requested,
    )
    .select_from(
        _APPLICATION.join(_POST, _POST.c.id == _APPLICATION.c.post_id).outerjoin(
            _EVENT, _EVENT.c.application_id == _APPLICATION.c.id
        )
    )
    .where(_APPLICATION.c.number == bindparam("number"))
    .order_by(_EVENT.c.id)
)


def lookup(number: str, surname: str, date_of_birth: date, language: str) -> PublicProgress:
    rows = read_rows(_LOOKUP, {"number": normalise(number)})
    found = rows[0] if rows else None
    # Compare even when nothing was found, so a miss costs what a wrong answer costs.
    stored_surname = _fold(found.surname_latin) if found else "\0"
    stored_dob = found.date_of_birth.isoformat() if found else "\0"
    surname_ok = hmac.compare_digest(stored_surname.encode(), _fold(surname).encode())
    dob_ok = hmac.compare_digest(stored_dob.encode(), date_of_birth.isoformat().encode())
    if found is None or not (surname_ok and dob_ok):
        _MISS.inc()
        raise NotFound(NOT_FOUND)
    _HIT.inc()
    timeline = timeline_of((row for row in rows if row.to_state is not None), language)
    return PublicProgress(
        number=found.number,
        name=mask_person_name(f"{found.surname_latin} {found.given_names_latin}"),
        state=found.state,
        state_name=timeline[-1].state_name if timeline else found.state,
        expected_on=found.expected_on,
        post_code=found.post_code,
        timeline=timeline,
    )


def post_metrics(actor: Account, post_code: str) -> dict[str, Any]:
    """Ratings, median processing time, share finished on time, open applications by state.

    "Open" is every application not final: passports ready for collection or dispatched
    still wait for their owner. "On time" compares the completion date with the expected
    date, which moved by the working days the post waited on the applicant (see
    ``services.applications.expected_dates``).
    """
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    scores = db.session.scalars(
        select(ApplicationRating.score).join(Application).where(Application.post_id == post.id)
    ).all()
    done = db.session.execute(
        select(Application.submitted_at, Application.completed_at, Application.expected_on).where(
            Application.post_id == post.id, Application.completed_at.is_not(None)
        )
    ).all()
    durations = [(row.completed_at - row.submitted_at).total_seconds() / 86400 for row in done]
    on_time = [local_date_at(post, row.completed_at) <= row.expected_on for row in done]
    open_by_state = dict(
        db.session.execute(
            select(Application.state, func.count())
            .where(
                Application.post_id == post.id,
                Application.state.not_in(FINAL_STATES),
            )
            .group_by(Application.state)
        ).all()
    )
    return {
        "post": post.code,
        "ratings": {
            "count": len(scores),
            "average": round(statistics.fmean(scores), 2) if scores else None,
            "distribution": {str(k): v for k, v in sorted(Counter(scores).items())},
        },
        "completed": len(done),
        "median_processing_days": round(statistics.median(durations), 2) if durations else None,
        "on_time_share": round(sum(on_time) / len(on_time), 3) if on_time else None,
        "open_by_state": open_by_state,
    }
