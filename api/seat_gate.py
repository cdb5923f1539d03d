"""Release day's admission to the booking path: per slot, no more bookings in flight in
this process than the slot has seats left.

When a post opens a day, every seat looks free at the burst's first instant, so every
tap used to go the whole booking path (the account, the key's claim, the rules) only to
queue on the slot row's lock, where all but the few winners were refused: the database
serialises a slot's bookings anyway, and the losers had done all their work for a 409.
``api.edge_refusals`` now asks the gate first. A tap on a slot with three seats left goes
in while fewer than three bookings of that slot are in flight in this worker; the others
wait here, holding no database connection, until one of those finishes, then ask the
database again (one statement): most are then refused ``slot_full`` at a fraction of the
cost, and the rest go in.

A tap watches its slot while it asks (``watch``): a booking of the slot that finished
between its question and its turn at the gate may have taken a seat the answer still
counted, so it counts as one seat fewer. Each booking leaves the gate saying whether it
took a seat (its answer was a 201). While every booking that left took one, the waiters
count the seats down themselves instead of each asking the database again after every
booking: they ask again only when a booking left without a seat (another worker's may have
taken it, or it failed a rule and the seat is still there) or when their count says the
slot is full (the last question, which also re-checks the caller's session and key).

The questions themselves are shared where that is safe. A tap that comes to a slot asked
about less than ``RECENT_SECONDS`` ago takes that answer as its own (``Watch.recent``): it
may let the tap in, where Flask checks the caller, but a refusal is always on the caller's
own answer. And the taps that ask while a question about the slot is in flight ask
together, in one statement sent as soon as it is answered (``Watch.ask``): when a booking
takes a slot's last seat, its waiters ask in a few statements rather than one each.

Each worker counts its own bookings; with ``shared`` (``api.seat_gate_shared``, in the rate
limits' Redis) a tap that may go in also asks whether fewer bookings of the slot are in
flight in every worker and replica than it counts seats, and the bookings that leave in
other processes are counted here as this worker's own are (``remote_left``). Without it,
each worker lets in as many as the slot has seats, and the bookings beyond them in the
other workers go the whole path for a 409.

The gate only ever delays, it never decides: the seat is still taken by the booking's
conditional update, so a gate that lets too many in costs work, never a seat, and a wait
is bounded (``BOOKING_GATE_WAIT_MS``) after which the tap goes the whole way as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# A tap the shared count kept out looks again at least this often, even if no leave is
# heard (a message lost while the listener reconnected).
SHARED_RECHECK_SECONDS = 0.05
# How long the database's answer to one tap's question stands for the next taps on the
# slot (``Watch.recent``): a release day's wave of taps on a slot comes within a few ms.
RECENT_SECONDS = 0.1


class _Question:
    """Taps of one slot asking the database together (``Watch.ask``): one statement."""

    __slots__ = ("callers", "answers", "seen", "seen_took", "marked_at")

    def __init__(self, caller: Any) -> None:
        self.callers = [caller]
        self.answers: list[int | None] | None = None  # once asked, one per caller
        self.seen = self.seen_took = 0  # the slot's finished and took when it was sent
        self.marked_at = 0.0


class _Slot:
    """One slot's bookings in flight here, how many have finished (and how many of those
    took a seat), who is watching, the latest answer to a tap's question, and the questions
    being asked."""

    __slots__ = (
        *("in_flight", "finished", "took", "watching", "changed", "answer"),
        *("asking", "gathering", "asked"),
    )

    def __init__(self, lock: threading.Lock) -> None:
        self.in_flight = 0
        self.finished = 0
        self.took = 0
        self.watching = 0
        self.changed = threading.Condition(lock)
        # (seats left, finished and took when it was asked, and that moment), or None.
        self.answer: tuple[int, int, int, float] | None = None
        self.asking: _Question | None = None  # sent, not answered yet
        self.gathering: _Question | None = None  # to be sent once ``asking`` is answered
        self.asked = threading.Condition(lock)  # a question was answered


class Watch:
    """A tap's view of one slot at the gate (from ``SeatGate.watch``)."""

    def __init__(self, gate: SeatGate, slot_id: int, slot: _Slot, finished: int, took: int):
        self._gate, self._slot_id, self._slot = gate, slot_id, slot
        self._seen = self._looked = finished  # when last asked; at the last look
        self._seen_took = took  # (both read together, under the gate's lock)
        self._marked_at = 0.0  # ``time.monotonic()`` when last asked
        self._kept_out = False  # the shared count said "not now" at the last ``enter``
        self.timed_out = False  # ``ask`` gave None because its group was not answered in time
        self.ticket: Any = None  # the shared gate's, once in: for ``SeatGate.leave``

    def _keep(self, seats_left: int | None) -> None:
        # Called with the lock held: the answer to this tap's question, kept for the taps
        # that come to the slot next (``recent``) unless a later-marked one is kept. None
        # (an answer about the caller, not the slot) is not kept.
        kept = self._slot.answer
        if seats_left is not None and (kept is None or kept[3] <= self._marked_at):
            self._slot.answer = (seats_left, self._seen, self._seen_took, self._marked_at)

    def ask(
        self,
        caller: Any,
        ask_together: Callable[[list[Any]], list[int | None]],
        deadline: float,
    ) -> int | None:
        """The seats left for ``caller`` (as ``refusals.seats_left`` answers), and the
        moment it was asked marked for this tap's count (``enter``, ``seats_counted``), and
        kept for the next taps (``recent``). Asked at once when no
        question about the slot is in flight here; otherwise together with every tap that
        comes while it is, in one question sent as soon as it is answered (the tap that
        came first sends it). ``ask_together(callers)`` asks the database for each caller
        in one statement.

        When a booking that took the last seat leaves, all its waiters ask at once: one of
        them asks alone and the others together, rather than one statement each. The
        waits are bounded by ``deadline`` (``time.monotonic``): a tap whose group is not
        answered by then gets None and ``timed_out`` (the whole way, where the view asks
        for itself); the tap that sends a group sends it at its deadline whatever is still
        in flight."""
        slot, lock = self._slot, self._gate._lock
        with lock:
            question = slot.asking
            if question is None:  # nothing in flight: ask now
                question = slot.asking = _Question(caller)
            elif slot.gathering is not None:  # another tap sends the next one: join it
                question = slot.gathering
                index = len(question.callers)
                question.callers.append(caller)
                if slot.asked.wait_for(
                    lambda: question.answers is not None, max(0.0, deadline - time.monotonic())
                ):
                    return self._take(question, index)
                self.timed_out = True
                return None
            else:  # the first of the next question: the one in flight hands it over
                question = slot.gathering = _Question(caller)
                if not slot.asked.wait_for(
                    lambda: slot.asking is question, max(0.0, deadline - time.monotonic())
                ):  # past the deadline: sent beside the one in flight, no one joins now
                    slot.gathering = None
            question.seen, question.seen_took = slot.finished, slot.took
            question.marked_at = time.monotonic()
        answers: list[int | None] = [None] * len(question.callers)
        try:
            answers = ask_together(list(question.callers))
        finally:  # whatever happens, the taps waiting on it get their answers (None: go on)
            with lock:
                question.answers = answers
                if slot.asking is question:  # the next one, if any, is sent now
                    slot.asking, slot.gathering = slot.gathering, None
                slot.asked.notify_all()
        with lock:
            return self._take(question, 0)

    def _take(self, question: _Question, index: int) -> int | None:
        # Called with the lock held: the caller's answer, marked as the question was.
        self._seen = self._looked = question.seen
        self._seen_took, self._marked_at = question.seen_took, question.marked_at
        left = question.answers[index]
        self._keep(left)
        return left

    def recent(self) -> int | None:
        """The seats left by the latest answer kept for the slot (by ``ask``) when it was
        asked less than ``RECENT_SECONDS`` ago, taken as this tap's own: as if it had
        marked and asked then, so the bookings that finished since count as they would for
        its own answer. None when there is none: ``ask``.

        That answer says nothing of this tap's caller (its session, its key): it may only
        let the tap in, where Flask asks those; a refusal is on the caller's own answer."""
        with self._gate._lock:
            kept = self._slot.answer
            if kept is None or time.monotonic() - kept[3] > RECENT_SECONDS:
                return None
            left, self._seen, self._seen_took, self._marked_at = kept
            self._looked = self._seen
            return left

    def enter(self, seats_left: int) -> bool:
        """Go in if fewer bookings of the slot are in flight here than it has seats left,
        counting each booking that finished here since the tap last asked as one seat
        fewer (it may have taken one after the database answered). The caller must then
        ``SeatGate.leave`` once it has its answer."""
        slot, gate = self._slot, self._gate
        with gate._lock:
            self._looked = slot.finished
            allowed = seats_left - (slot.finished - self._seen)
            if slot.in_flight >= allowed:
                return False
            slot.in_flight += 1  # held while the shared count is asked
        self._kept_out = False
        if gate.shared is None:
            return True
        try:
            ticket = gate.shared.enter(self._slot_id, allowed)
        except Exception:  # whatever went wrong: this worker's count decided
            ticket = None
        if ticket is False:  # as many in flight elsewhere: wait for one to leave
            with gate._lock:
                slot.in_flight -= 1
            self._kept_out = True
            return False
        self.ticket = ticket  # None: Redis could not say, this worker's count decided
        return True

    def seats_counted(self, seats_left: int) -> int | None:
        """The seats left by this tap's own count: ``seats_left`` (the database's answer at
        ``ask``) less the seats taken here since; None when a booking left here without
        taking one since (only the database knows then: ask again)."""
        slot = self._slot
        with self._gate._lock:
            took = slot.took - self._seen_took
            if slot.finished - self._seen != took:
                return None
            return seats_left - took

    def wait(self, deadline: float) -> bool:
        """Wait until a booking of the slot finishes after the last ``ask`` or ``enter``
        (True, at once if one already has) or ``deadline`` passes (False;
        ``time.monotonic``)."""
        slot, looked = self._slot, self._looked
        if self._kept_out:
            deadline = min(deadline, time.monotonic() + SHARED_RECHECK_SECONDS)
        with self._gate._lock:
            return slot.changed.wait_for(
                lambda: slot.finished != looked, max(0.0, deadline - time.monotonic())
            )


class SeatGate:
    """The bookings in flight per slot in this process (thread-safe; forgets idle slots).
    ``shared``: what every process counts (``api.seat_gate_shared.SharedSeats``), or None;
    it is told of this process's leaves, and tells ``remote_left`` of the others'."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[int, _Slot] = {}
        self.shared: Any = None  # set once made: it calls back this gate's ``remote_left``

    @contextmanager
    def watch(self, slot_id: int) -> Iterator[Watch]:
        with self._lock:
            slot = self._slots.get(slot_id)
            if slot is None:
                slot = self._slots[slot_id] = _Slot(self._lock)
            slot.watching += 1
            watch = Watch(self, slot_id, slot, slot.finished, slot.took)
        try:
            yield watch
        finally:
            with self._lock:
                slot.watching -= 1
                self._forget_if_idle(slot_id, slot)

    def leave(self, slot_id: int, *, took_seat: bool = False, ticket: Any = None) -> None:
        """A booking let in has its answer (``took_seat``: a 201): the taps watching the
        slot count again (here, and through ``shared`` in every other process)."""
        if ticket is not None:
            # First, so that a tap here that this leave wakes finds the slot's set in Redis
            # without this booking (this process does not hear its own message).
            self.shared.leave(slot_id, ticket, took_seat)
        with self._lock:
            slot = self._slots[slot_id]
            slot.in_flight -= 1
            self._finished(slot_id, slot, took_seat)

    def remote_left(self, slot_id: int, took_seat: bool) -> None:
        """A booking of the slot let in by another process has its answer: counted as this
        process's own are, if anyone here watches the slot."""
        with self._lock:
            slot = self._slots.get(slot_id)
            if slot is not None:
                self._finished(slot_id, slot, took_seat)

    def _finished(self, slot_id: int, slot: _Slot, took_seat: bool) -> None:
        # Called with the lock held.
        slot.finished += 1
        slot.took += took_seat
        slot.changed.notify_all()
        self._forget_if_idle(slot_id, slot)

    def in_flight(self, slot_id: int) -> int:
        with self._lock:
            slot = self._slots.get(slot_id)
            return slot.in_flight if slot is not None else 0

    def _forget_if_idle(self, slot_id: int, slot: _Slot) -> None:
        # Called with the lock held: the dictionary holds only slots with someone inside
        # or watching (a slot forgotten had nothing in flight, so nothing stale to miss).
        if slot.in_flight == 0 and slot.watching == 0 and self._slots.get(slot_id) is slot:
            del self._slots[slot_id]
