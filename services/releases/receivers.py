"""What the releases domain does when appointments signal a change."""

from __future__ import annotations

from services.core import signals
from services.releases.offers import withdraw_offers_in
from services.releases.requests import rekey_live_requests
from services.releases.waitlist import offer_freed_seats


def _seat_returned(slot_id: int, **_: object) -> None:
    # In the same unit of work as the change that freed it: held for a release or offered
    # to the waitlist before any first-come booking can see the seat free.
    offer_freed_seats(slot_id)


def _applicant_identity_changed(applicant_id: int, **_: object) -> None:
    # In the edit's unit of work: a clash with another live request refuses the edit.
    rekey_live_requests(applicant_id)


def _closure_added(closure, **_: object) -> None:
    # In the closure's unit of work: an offer on a closed day can no longer be accepted.
    withdraw_offers_in(closure)


def connect() -> None:
    signals.seat_returned.connect(_seat_returned)
    signals.applicant_identity_changed.connect(_applicant_identity_changed)
    signals.closure_added.connect(_closure_added)
