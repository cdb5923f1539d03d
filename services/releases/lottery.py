"""The fair-release lottery: commit to a secret seed, draw an order anyone can recompute, and
give the released seats out in that order.

Pure and deterministic: plain dataclasses in, plain dataclasses out; no database, no clock, no
randomness except in ``new_seed``. The database-backed release feeds it a release's live
requests and held slots and writes its result.

The rules, as anyone can recompute them (scheme 1)
--------------------------------------------------
1. Before the request window opens, the release publishes its *commitment*: the SHA-256 of a
   32-byte random seed, as 64 lowercase hex characters. The seed stays secret until the
   allocation, so it cannot be chosen after the requests are known.
2. At the allocation the seed is revealed (64 hex characters); anyone checks that
   SHA-256(seed bytes) equals the commitment.
3. Each request has a public id (printable ASCII, no spaces, no personal data). Its *draw* is
   SHA-256 of the 32 seed bytes immediately followed by the ASCII bytes of the public id: no
   separator, no newline, the seed as raw bytes (not its hex text). Requests are sorted by
   draw ascending - compared as lowercase hex strings, which is the same as comparing the
   digests as bytes or as 256-bit big-endian numbers. Two equal draws would be ordered by
   public id (ASCII order); with SHA-256 that never happens in practice. When a request was
   sent plays no part: speed buys nothing.
4. In that order, each request gets the first of its (up to three) ranked preferences that
   still has a seat. A preference is a day at the post, optionally narrowed to a time band
   [from, until) of the slot's start on the post's wall clock; within it the request gets
   the earliest slot with a seat left (earliest start instant, then lowest slot id). A
   request none of whose preferences has a seat left joins the waitlist, in lottery order.

The order in a few lines of Python::

    seed = bytes.fromhex(seed_hex)
    assert hashlib.sha256(seed).hexdigest() == commitment
    draw = lambda public_id: hashlib.sha256(seed + public_id.encode("ascii")).hexdigest()
    order = sorted(public_ids, key=lambda public_id: (draw(public_id), public_id))

Rule 4 is a serial dictatorship: nobody gains by ranking preferences other than truthfully,
and nobody further down the order can take a seat that someone above wanted and could have had.

What the commitment does not prove: whoever can read the seed during the window could choose
request ids with good draws. Public ids are therefore drawn at random by the server when a
request is created and never change, and only the allocation reads the seed (see the
database-backed release).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import cached_property

SEED_BYTES = 32
MAX_PREFERENCES = 3
MAX_PUBLIC_ID_LENGTH = 64


# --- seed and commitment ---------------------------------------------------------------------
def new_seed() -> bytes:
    """A fresh secret seed (32 bytes from the operating system's CSPRNG)."""
    return secrets.token_bytes(SEED_BYTES)


def _check_seed(seed: bytes) -> bytes:
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise ValueError(f"a lottery seed is exactly {SEED_BYTES} bytes")
    return seed


def seed_from_hex(text: str) -> bytes:
    """The seed as published (64 hex characters) back to its bytes."""
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError as error:
        raise ValueError("a lottery seed is 64 hexadecimal characters") from error
    return _check_seed(seed)


def commitment_of(seed: bytes) -> str:
    """The public commitment to a seed: SHA-256 of its bytes, lowercase hex."""
    return hashlib.sha256(_check_seed(seed)).hexdigest()


def seed_matches(seed: bytes, commitment: str) -> bool:
    """True when the revealed ``seed`` is the one the published ``commitment`` promised."""
    expected = commitment.strip().lower()
    if len(expected) != 2 * hashlib.sha256().digest_size or not expected.isascii():
        return False
    return hmac.compare_digest(commitment_of(seed), expected)


# --- inputs -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TimeBand:
    """Wall-clock start times [start, end) at the post; ``end`` None runs to midnight."""

    start: time
    end: time | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or (self.end is not None and self.end.tzinfo):
            raise ValueError("a time band is wall-clock time at the post, without a zone")
        if self.end is not None and self.end <= self.start:
            raise ValueError("a time band ends after it starts")

    def contains(self, wall_clock: time) -> bool:
        return self.start <= wall_clock and (self.end is None or wall_clock < self.end)


MORNING = TimeBand(time(0), time(12))
AFTERNOON = TimeBand(time(12))


@dataclass(frozen=True, slots=True)
class Preference:
    """A day at the post, optionally narrowed to a band of start times."""

    day: date
    band: TimeBand | None = None

    def __post_init__(self) -> None:
        # datetime is a subclass of date: a datetime here would silently compare unequal.
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise ValueError("a preference's day is a date")

    def matches(self, local_start: datetime) -> bool:
        """Whether a slot starting at ``local_start`` (post wall clock) satisfies it."""
        if local_start.date() != self.day:
            return False
        return self.band is None or self.band.contains(local_start.time())


def check_public_id(public_id: str) -> str:
    """A public id is 1 to 64 printable ASCII characters without spaces: its bytes are then
    the same in every language, with no Unicode normalisation to agree on."""
    if (
        not isinstance(public_id, str)
        or not 0 < len(public_id) <= MAX_PUBLIC_ID_LENGTH
        or not all("!" <= char <= "~" for char in public_id)
    ):
        raise ValueError(f"invalid public request id {public_id!r}")
    return public_id


@dataclass(frozen=True, slots=True)
class LotteryRequest:
    """One request in the draw: its public id and its preferences, best first."""

    public_id: str
    preferences: tuple[Preference, ...]

    def __post_init__(self) -> None:
        check_public_id(self.public_id)
        preferences = tuple(self.preferences)
        if not 0 < len(preferences) <= MAX_PREFERENCES:
            raise ValueError(f"a request has 1 to {MAX_PREFERENCES} preferences")
        if not all(isinstance(preference, Preference) for preference in preferences):
            raise ValueError("preferences are Preference values")
        object.__setattr__(self, "preferences", preferences)


@dataclass(frozen=True, slots=True)
class ReleasedSlot:
    """A slot of the release and the seats held back in it for the lottery.

    ``starts_at`` is aware and expressed in the post's zone (its offset that day), so its
    date and time are what the post's clock shows: the algorithm needs no zone database,
    and neither does anyone recomputing it from the published ISO 8601 strings.
    """

    id: int
    starts_at: datetime
    seats: int

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int):
            raise ValueError("a slot id is an integer")
        if self.starts_at.tzinfo is None or self.starts_at.utcoffset() is None:
            raise ValueError("a slot's start is an aware datetime in the post's zone")
        if isinstance(self.seats, bool) or not isinstance(self.seats, int) or self.seats < 0:
            raise ValueError("a slot's seats are a whole number, zero or more")

    @classmethod
    def at_post(cls, id: int, starts_at: datetime, seats: int, post_zone: tzinfo) -> ReleasedSlot:
        """From a stored UTC start and the post's zone (e.g. ``local_time.zone(name)``)."""
        return cls(id=id, starts_at=starts_at.astimezone(post_zone), seats=seats)


# --- outputs ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Assignment:
    slot_id: int
    preference: int  # the rank (1, 2 or 3) of the preference it satisfies


@dataclass(frozen=True)
class Allocation:
    """The outcome: the lottery order, who got which seat, and the waitlist (lottery order).

    ``assignments`` iterates in lottery order. Every request is either assigned or on the
    waitlist, never both.
    """

    order: tuple[str, ...]
    assignments: Mapping[str, Assignment]
    waitlist: tuple[str, ...]

    @cached_property
    def _places(self) -> dict[str, int]:
        return {public_id: place for place, public_id in enumerate(self.order, 1)}

    def place(self, public_id: str) -> int:
        """A request's 1-based place in the lottery order."""
        return self._places[public_id]


# --- the draw -----------------------------------------------------------------------------
def draw(seed: bytes, public_id: str) -> bytes:
    """A request's draw: SHA-256(seed || ASCII public id)."""
    return hashlib.sha256(seed + public_id.encode("ascii")).digest()


def lottery_order(seed: bytes, public_ids: Iterable[str]) -> list[str]:
    """The public ids sorted by draw, ties by id; the input order plays no part."""
    _check_seed(seed)
    ids = [check_public_id(public_id) for public_id in public_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("public request ids must be unique")
    # Copying the seed into a hash object once and cloning it saves re-hashing its 32 bytes.
    prefix = hashlib.sha256(seed)

    def key(public_id: str) -> tuple[bytes, str]:
        digest = prefix.copy()
        digest.update(public_id.encode("ascii"))
        return digest.digest(), public_id

    return sorted(ids, key=key)


# --- allocation ---------------------------------------------------------------------------
def start_order(slot: ReleasedSlot) -> tuple[datetime, int]:
    """Earliest start instant first, then lowest id.

    In UTC on purpose: Python compares two datetimes of the same tzinfo by their wall clock,
    ignoring ``fold``, which would put 01:30 of the repeated hour before 01:45 of the first.
    """
    return slot.starts_at.astimezone(UTC), slot.id


class _SeatIndex:
    """The slots matching one preference, earliest first, and a cursor past the full ones.

    Seats only ever go from free to taken during an allocation, so the cursor never moves
    back: over the whole run each index is walked once, whatever the number of requests.
    """

    __slots__ = ("cursor", "positions")

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions
        self.cursor = 0

    def take(self, remaining: list[int]) -> int | None:
        positions = self.positions
        cursor = self.cursor
        while cursor < len(positions) and remaining[positions[cursor]] == 0:
            cursor += 1
        self.cursor = cursor
        if cursor == len(positions):
            return None
        position = positions[cursor]
        remaining[position] -= 1
        return position


def allocate(
    seed: bytes, requests: Iterable[LotteryRequest], slots: Iterable[ReleasedSlot]
) -> Allocation:
    """Draw the order and give out the seats (rules 3 and 4 of the module docstring).

    O(n log n) in the number of requests for the draw, plus one pass over each preference's
    seat index: building an index scans its day's slots once, on first use.
    """
    by_id: dict[str, LotteryRequest] = {}
    for request in requests:
        if request.public_id in by_id:
            raise ValueError(f"duplicate public request id {request.public_id!r}")
        by_id[request.public_id] = request
    order = lottery_order(seed, by_id)

    ordered = sorted(slots, key=start_order)
    if len({slot.id for slot in ordered}) != len(ordered):
        raise ValueError("slot ids must be unique")
    ordered = [slot for slot in ordered if slot.seats > 0]
    remaining = [slot.seats for slot in ordered]
    by_day: dict[date, list[int]] = {}
    for position, slot in enumerate(ordered):
        by_day.setdefault(slot.starts_at.date(), []).append(position)

    indexes: dict[Preference, _SeatIndex] = {}

    def index_for(preference: Preference) -> _SeatIndex:
        index = indexes.get(preference)
        if index is None:
            candidates = by_day.get(preference.day, [])
            index = indexes[preference] = _SeatIndex(
                [p for p in candidates if preference.matches(ordered[p].starts_at)]
            )
        return index

    assignments: dict[str, Assignment] = {}
    waitlist: list[str] = []
    for public_id in order:
        for rank, preference in enumerate(by_id[public_id].preferences, 1):
            position = index_for(preference).take(remaining)
            if position is not None:
                assignments[public_id] = Assignment(ordered[position].id, rank)
                break
        else:
            waitlist.append(public_id)
    return Allocation(order=tuple(order), assignments=assignments, waitlist=tuple(waitlist))


# --- verification -------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """The result of recomputing a published allocation."""

    seed_matches_commitment: bool
    recomputed: Allocation
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.seed_matches_commitment and not self.differences


def compare(published: Allocation, recomputed: Allocation, limit: int = 20) -> tuple[str, ...]:
    """Human-readable differences between a published and a recomputed allocation (at most
    ``limit``; empty when they agree)."""
    differences: list[str] = []
    if published.order != recomputed.order:
        if len(published.order) != len(recomputed.order):
            differences.append(
                f"order: {len(published.order)} requests published, "
                f"{len(recomputed.order)} recomputed"
            )
        for place, (mine, theirs) in enumerate(
            zip(recomputed.order, published.order, strict=False), 1
        ):
            if mine != theirs:
                differences.append(f"order: place {place} is {mine}, published {theirs}")
                break
    for public_id in recomputed.order:
        got, claimed = recomputed.assignments.get(public_id), published.assignments.get(public_id)
        if got != claimed:
            differences.append(
                f"{public_id}: recomputed {_describe(got)}, published {_describe(claimed)}"
            )
    for public_id in published.assignments.keys() - set(recomputed.order):
        differences.append(f"{public_id}: published an assignment for an unknown request")
    if published.waitlist != recomputed.waitlist:
        differences.append("waitlist: not the recomputed one (content or order)")
    return tuple(differences[:limit])


def _describe(assignment: Assignment | None) -> str:
    if assignment is None:
        return "waitlist"
    return f"slot {assignment.slot_id} (preference {assignment.preference})"


def recompute(
    seed: bytes,
    commitment: str,
    requests: Iterable[LotteryRequest],
    slots: Iterable[ReleasedSlot],
    published: Allocation | None = None,
) -> Verification:
    """Recompute an allocation from the revealed seed and the published inputs, check the seed
    against the commitment published before the window, and compare with ``published``.

    Anyone can run it: every input is in the published document (``publication.py``).
    """
    recomputed = allocate(seed, requests, slots)
    return Verification(
        seed_matches_commitment=seed_matches(seed, commitment),
        recomputed=recomputed,
        differences=compare(published, recomputed) if published is not None else (),
    )
