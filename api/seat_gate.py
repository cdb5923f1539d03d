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

The gate only ever delays, it never decides: the seat is still taken by the booking's
conditional update, so a gate that lets too many in (each worker and each replica has
its own) costs work, never a seat, and a wait is bounded (``BOOKING_GATE_WAIT_MS``)
after which the tap goes the whole way as before.
"""

from __future__ import annotations

import threading
import time


class _Slot:
    """One slot's bookings in flight here, and the taps waiting for one to finish."""

    __slots__ = ("in_flight", "waiting", "finished")

    def __init__(self, lock: threading.Lock) -> None:
        self.in_flight = 0
        self.waiting = 0
        self.finished = threading.Condition(lock)


class SeatGate:
    """The bookings in flight per slot in this process (thread-safe; forgets idle slots)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[int, _Slot] = {}

    def enter(self, slot_id: int, seats_left: int) -> bool:
        """Let a booking of ``slot_id`` in if fewer than ``seats_left`` are in flight here;
        the caller must then ``leave`` once it has its answer."""
        with self._lock:
            slot = self._slots.get(slot_id)
            in_flight = slot.in_flight if slot is not None else 0
            if in_flight >= seats_left:
                return False
            if slot is None:
                slot = self._slots[slot_id] = _Slot(self._lock)
            slot.in_flight += 1
            return True

    def leave(self, slot_id: int) -> None:
        """A booking let in has its answer: the taps waiting for the slot ask again."""
        with self._lock:
            slot = self._slots[slot_id]
            slot.in_flight -= 1
            slot.finished.notify_all()
            self._forget_if_idle(slot_id, slot)

    def wait(self, slot_id: int, deadline: float) -> bool:
        """Wait until a booking of ``slot_id`` in flight here finishes: True when one did
        (or none is in flight any more), False at ``deadline`` (``time.monotonic``)."""
        with self._lock:
            slot = self._slots.get(slot_id)
            if slot is None or slot.in_flight == 0:
                return True
            slot.waiting += 1
            try:
                return slot.finished.wait(max(0.0, deadline - time.monotonic()))
            finally:
                slot.waiting -= 1
                self._forget_if_idle(slot_id, slot)

    def in_flight(self, slot_id: int) -> int:
        with self._lock:
            slot = self._slots.get(slot_id)
            return slot.in_flight if slot is not None else 0

    def _forget_if_idle(self, slot_id: int, slot: _Slot) -> None:
        # Called with the lock held: the dictionary holds only slots with someone inside.
        if slot.in_flight == 0 and slot.waiting == 0 and self._slots.get(slot_id) is slot:
            del self._slots[slot_id]
