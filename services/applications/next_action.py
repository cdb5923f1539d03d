"""What the applicant is expected to do next about an application, so that the app can show
one button without knowing the state machine.

The rules, first match wins (the same table is in the README):

| # | when | ``next_action`` |
|---|------|-----------------|
| 1 | rejected or withdrawn | ``none`` |
| 2 | more information required | ``provide_information`` |
| 3 | the fee is due in the app (``payment.state == "due"``) | ``pay`` |
| 4 | not yet approved (submitted, accepted, in review), a registered applicant, and no accepted passport photo of them | ``upload_documents`` |
| 5 | ready for collection | ``collect`` |
| 6 | collected or delivered, not yet rated | ``rate`` |
| 7 | anything else: the post is working on it (approved, in production, dispatched) | ``none`` |

Whether the fee is due belongs to the payments domain, which sits above this one, so the
caller passes it in (``services.payments.standing`` does); the facts this domain owns
(ratings, the applicant's photo) are read here for a whole page of applications at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from services.applications.states import RATING_STATES
from services.core.db import db
from services.models import Application, Document

NEXT_ACTIONS = (
    "pay",
    "upload_documents",
    "provide_information",
    "collect",
    "rate",
    "none",
)
_CLOSED = frozenset({"rejected", "withdrawn"})
_BEFORE_APPROVAL = frozenset({"submitted", "accepted", "in_review"})


@dataclass(frozen=True)
class ActionFacts:
    """What the rules need to know besides the application's own columns."""

    rated: bool
    photo_on_file: bool


def next_action(application: Application, *, payment_due: bool, facts: ActionFacts) -> str:
    """The applicant's next action by the table in the module docstring."""
    state = application.state
    if state in _CLOSED:
        return "none"
    if state == "more_information_required":
        return "provide_information"
    if payment_due:
        return "pay"
    if (
        state in _BEFORE_APPROVAL
        and application.applicant_id is not None
        and not facts.photo_on_file
    ):
        return "upload_documents"
    if state == "ready_for_collection":
        return "collect"
    if state in RATING_STATES and not facts.rated:
        return "rate"
    return "none"


def action_facts(applications: Sequence[Application]) -> dict[int, ActionFacts]:
    """The facts of each application, by id, in one query whatever the number."""
    if not applications:
        return {}
    # Each application's rating is already loaded with it (``Application.rating``, selectin).
    rated = {application.id for application in applications if application.rating is not None}
    applicants = {a.applicant_id for a in applications if a.applicant_id is not None}
    with_photo = (
        set(
            db.session.scalars(
                select(Document.applicant_id)
                .where(
                    Document.applicant_id.in_(applicants),
                    Document.kind == "photo",
                    Document.status == "accepted",
                )
                .distinct()
            )
        )
        if applicants
        else set()
    )
    return {
        application.id: ActionFacts(
            rated=application.id in rated,
            photo_on_file=application.applicant_id in with_photo,
        )
        for application in applications
    }
