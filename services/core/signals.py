"""Named signals: how a lower domain tells higher ones that something happened.

Domains depend on each other in one direction only (see the import contracts in
pyproject.toml). When a lower domain's change must trigger work in a higher one, it sends one
of these signals and the higher domain's ``receivers`` module subscribes. Receivers run
synchronously, inside the sender's unit of work: what they write commits or rolls back with
the change that caused it. ``services.wiring.connect_domains`` connects them all; the app
factory calls it once.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

device_changed = _signals.signal(
    "device-changed",
    doc="A device was registered, moved to another account, changed language or was removed. "
    "Sender: the account id. Alerts re-sync that account's topic subscriptions.",
)

applicant_deleted = _signals.signal(
    "applicant-deleted",
    doc="An applicant is being deleted in the current unit of work. Sender: the applicant id. "
    "Documents forget the applicant's stored files.",
)

seat_returned = _signals.signal(
    "seat-returned",
    doc="Seats of a slot may have come back to the pool (a cancellation, a reschedule away, a "
    "closure lifted, capacity added), in the current unit of work, with the slot's row "
    "locked or just written. Sender: the slot id. Releases hold them for a release still "
    "taking requests or offer them to the waitlist before first-come booking sees them.",
)

applicant_identity_changed = _signals.signal(
    "applicant-identity-changed",
    doc="An applicant's passport number or date of birth changed in the current unit of work "
    "(flushed). Sender: the applicant id. Releases recompute the person key of the "
    "applicant's live requests, so that editing the passport cannot make one person two.",
)

closure_added = _signals.signal(
    "closure-added",
    doc="A closure was added to a post in the current unit of work (flushed, its appointments "
    "already cancelled). Sender: the Closure. Applications move the expected dates of the "
    "post's open applications past the days it closes, and tell the applicants.",
)
