"""What the applications domain does when a lower domain signals a change."""

from __future__ import annotations

from services.applications.expected_dates import move_for_closure
from services.core import signals
from services.models import Closure


def _move_dates_past_new_closure(closure: Closure, **_: object) -> None:
    # Runs inside the closure's unit of work: the dates move, and the applicants are told,
    # with the closure or not at all.
    move_for_closure(closure)


def connect() -> None:
    signals.closure_added.connect(_move_dates_past_new_closure)
