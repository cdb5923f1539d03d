"""Release day's cheap refusal: is a booking request surely a 409 ``slot_full``?

When a post opens a day, most taps land on a slot that is already full. Refusing one of
those through the whole booking path costs an account load, an idempotency claim and a
transaction. This asks everything that could make the answer something other than
``slot_full`` in ONE statement of plain columns (no ORM objects, no lock, no write):

- the token's login session is live, its account active with a verified e-mail address
  (else the answer is 401 or 403, which come first);
- no record exists for the request's Idempotency-Key (else it is a replay or a reused key);
- the slot is in the schedule and has no seat left, held seats counting as taken (else it
  is 404 or a booking).

The statement gives the seats the slot has left when the first two hold and the slot is in
the schedule (``seats_left``), and nothing otherwise. Only no seat left refuses here;
anything else goes the whole way, which reports every rule in its documented order (the
seats left also tell ``api.seat_gate`` how many bookings of the slot to let in at once). The read may be stale by a moment: that can only
cost a 409 for a seat freed just now (the phone retries, as for any 409), never a seat,
because a seat is only ever taken by the conditional update in ``appointments.take_seat``.
The three answers come from one snapshot, so a twin whose first request took the last seat
sees either that request's record (and is replayed) or a free seat (and goes the whole way).
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, String, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from services.core.db import db, read_rows, read_value
from services.models import Account, IdempotencyRecord, LoginSession, Slot

log = logging.getLogger(__name__)


def _live_account(session_id: Any, account_id: Any) -> Any:
    """The token's login session is live and its account active with a verified address
    (``session_id``, ``account_id``: bound values, or the columns of several callers)."""
    return exists().where(
        LoginSession.id == session_id,
        LoginSession.revoked_at.is_(None),
        LoginSession.account_id == Account.id,
        Account.id == account_id,
        Account.is_active.is_(True),
        Account.email.is_not(None),
        Account.email_verified_at.is_not(None),
    )


def _no_record(scope: Any, key: Any) -> Any:
    """No record exists for the key in its scope."""
    return ~exists().where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)


# Built once: constructing the expression on every request cost more CPU than the query.
_LIVE_ACCOUNT = _live_account(bindparam("session_id"), bindparam("account_id"))
_SEATS_LEFT = (
    select(Slot.capacity - Slot.booked - Slot.held)
    .where(Slot.id == bindparam("slot_id"), Slot.in_schedule.is_(True))
    .scalar_subquery()
)
_NO_RECORD = _no_record(bindparam("scope"), bindparam("key"))
_WITHOUT_KEY = select(case((_LIVE_ACCOUNT, _SEATS_LEFT)))
_WITH_KEY = select(case((and_(_LIVE_ACCOUNT, _NO_RECORD), _SEATS_LEFT)))


# The same question for several callers of one slot at once (PostgreSQL): one row per
# caller, in their order, from arrays of their sessions, accounts, key scopes and keys.
_CALLERS = (
    func.unnest(
        bindparam("session_ids", type_=ARRAY(String)),
        bindparam("account_ids", type_=ARRAY(BigInteger)),
        bindparam("scopes", type_=ARRAY(String)),
        bindparam("keys", type_=ARRAY(String)),
    )
    .table_valued("session_id", "account_id", "scope", "key", with_ordinality="n")
    .render_derived(with_types=False)
    .alias("caller")
)
_EACH_LIVE_ACCOUNT = _live_account(_CALLERS.c.session_id, _CALLERS.c.account_id)
_EACH_NO_RECORD = or_(_CALLERS.c.key.is_(None), _no_record(_CALLERS.c.scope, _CALLERS.c.key))
_FOR_EACH = (
    select(case((and_(_EACH_LIVE_ACCOUNT, _EACH_NO_RECORD), _SEATS_LEFT)))
    .select_from(_CALLERS)
    .order_by(_CALLERS.c.n)
)


class Caller(NamedTuple):
    """Who asks: the token's login session and account, and the request's key (or None)
    with its scope."""

    session_id: str
    account_id: int
    idempotency_scope: str
    idempotency_key: str | None


def warm_reads() -> list[tuple[Any, dict[str, Any]]]:
    """The refusal's statements with values matching nothing, for a kept connection to run
    once at a worker's start (``services.core.db.open_connections``)."""
    nothing = {"session_id": "", "account_id": 0, "slot_id": 0}
    each = {"slot_id": 0, "session_ids": [""], "account_ids": [0], "scopes": [""], "keys": [""]}
    return [
        (_WITHOUT_KEY, nothing),
        (_WITH_KEY, {**nothing, "scope": "", "key": ""}),
        (_FOR_EACH, each),
    ]


def seats_left(
    *,
    session_id: str,
    account_id: int,
    slot_id: int,
    idempotency_scope: str,
    idempotency_key: str | None,
) -> int | None:
    """The seats the slot has left (0 or less: full, held seats counting as taken), or None
    when the answer could be anything but ``slot_full`` or a booking: the session is not
    live, the account not verified, the key has a record, the slot is not in the schedule,
    or the database could not be asked. One statement."""
    params = {"session_id": session_id, "account_id": account_id, "slot_id": slot_id}
    statement = _WITHOUT_KEY
    if idempotency_key is not None:
        statement = _WITH_KEY
        params.update(scope=idempotency_scope, key=idempotency_key)
    # Plain columns, outside any transaction, on the thread's own connection: one round
    # trip. The check only ever saves work: if the database cannot answer it, None, and the
    # whole path meets the outage and answers it as usual.
    try:
        return read_value(statement, params)
    except Exception:
        log.warning("the early refusal check could not ask the database", exc_info=True)
        return None


def seats_left_for_each(*, slot_id: int, callers: list[Caller]) -> list[int | None]:
    """``seats_left`` for each of ``callers`` of one slot, in their order: several on
    PostgreSQL in ONE statement (release day's taps woken together by a booking that took
    a seat ask together, not one by one); one caller, or another database, one
    ``seats_left`` statement each. A database that could not be asked gives None for
    every caller."""
    try:
        if len(callers) > 1 and db.engine.dialect.name == "postgresql":
            rows = read_rows(
                _FOR_EACH,
                {
                    "slot_id": slot_id,
                    "session_ids": [caller.session_id for caller in callers],
                    "account_ids": [caller.account_id for caller in callers],
                    "scopes": [caller.idempotency_scope for caller in callers],
                    "keys": [caller.idempotency_key for caller in callers],
                },
            )
            if len(rows) == len(callers):  # one row per caller, always; else ask no one
                return [row[0] for row in rows]
            log.warning(
                "the early refusal check got %d rows for %d callers", len(rows), len(callers)
            )
            return [None] * len(callers)
    except Exception:
        log.warning("the early refusal check could not ask the database", exc_info=True)
        return [None] * len(callers)
    return [seats_left(slot_id=slot_id, **caller._asdict()) for caller in callers]
