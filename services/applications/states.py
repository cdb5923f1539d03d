"""The application state machine: which state may follow which, and who may move it.

submitted -> accepted -> in_review <-> more_information_required -> approved ->
in_production -> ready_for_collection -> collected, or -> dispatched -> delivered;
rejected from any state before approval; withdrawn (by the applicant or an officer) from
any state before approval. Collected, delivered, rejected and withdrawn are final.
"""

from __future__ import annotations

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("accepted", "rejected", "withdrawn"),
    "accepted": ("in_review", "rejected", "withdrawn"),
    "in_review": ("more_information_required", "approved", "rejected", "withdrawn"),
    "more_information_required": ("in_review", "rejected", "withdrawn"),
    "approved": ("in_production",),
    "in_production": ("ready_for_collection", "dispatched"),
    "ready_for_collection": ("collected",),
    "dispatched": ("delivered",),
    "collected": (),
    "delivered": (),
    "rejected": (),
    "withdrawn": (),
}

FINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)
# States in which the work is done from the applicant's point of view (for "on time").
COMPLETED_STATES = frozenset({"ready_for_collection", "dispatched", "collected", "delivered"})
# The passport is in the traveller's hands: the rating opens (the notice invites it, and
# it is the next action until they rate).
RATING_STATES = frozenset({"collected", "delivered"})
# States still counted against the expected date (overdue / due soon).
PENDING_STATES = frozenset(TRANSITIONS) - COMPLETED_STATES - FINAL_STATES
# The post waits on the applicant: the overtime clock stands still (services.applications
# .expected_dates moves the expected date by the working days waited when it resumes).
CLOCK_PAUSED_STATES = frozenset({"more_information_required"})
CLOCK_RUNNING_STATES = PENDING_STATES - CLOCK_PAUSED_STATES


def allowed_next(state: str) -> tuple[str, ...]:
    return TRANSITIONS.get(state, ())


def can_move(state: str, to: str) -> bool:
    return to in TRANSITIONS.get(state, ())
