"""Shared pieces of the lottery tests: hypothesis strategies, and an allocator written the
slow, obvious way from the published rules, against which the real one is compared."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from services.releases.lottery import (
    AFTERNOON,
    MORNING,
    Allocation,
    Assignment,
    LotteryRequest,
    Preference,
    ReleasedSlot,
    TimeBand,
)

NAIROBI = ZoneInfo("Africa/Nairobi")
FIRST_DAY = date(2026, 12, 14)
DAYS = [FIRST_DAY + timedelta(days=offset) for offset in range(3)]
BANDS = [None, MORNING, AFTERNOON, TimeBand(time(9), time(10)), TimeBand(time(10, 30))]
PUBLIC_ID_CHARS = "".join(chr(code) for code in range(ord("!"), ord("~") + 1))

seeds = st.binary(min_size=32, max_size=32)
preferences = st.builds(Preference, st.sampled_from(DAYS), st.sampled_from(BANDS))


@st.composite
def requests(draw, max_size: int = 40) -> list[LotteryRequest]:
    # An explicit size: hypothesis's own list sizes favour a handful, rarely a crowd.
    size = draw(st.integers(0, max_size))
    ids = draw(
        st.lists(
            st.text(alphabet=PUBLIC_ID_CHARS, min_size=1, max_size=6),
            unique=True,
            min_size=size,
            max_size=size,
        )
    )
    return [
        LotteryRequest(public_id, tuple(draw(st.lists(preferences, min_size=1, max_size=3))))
        for public_id in ids
    ]


@st.composite
def slots(draw, max_size: int = 16) -> list[ReleasedSlot]:
    # (day, half-hour step from 08:00); starts may repeat, so that ties on the start instant
    # (broken by slot id) happen too.
    size = draw(st.integers(0, max_size))
    places = draw(
        st.lists(st.tuples(st.sampled_from(DAYS), st.integers(0, 17)), min_size=size, max_size=size)
    )
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, min_size=len(places)))
    return [
        ReleasedSlot(
            id=slot_id,
            starts_at=datetime.combine(day, time(8), tzinfo=NAIROBI) + timedelta(minutes=30 * step),
            seats=draw(st.integers(0, 3)),
        )
        for slot_id, (day, step) in zip(ids, places, strict=False)
    ]


def matches(preference: Preference, slot: ReleasedSlot) -> bool:
    """The matching rule restated (not Preference.matches): same local day, start in band."""
    local = slot.starts_at
    if local.date() != preference.day:
        return False
    band = preference.band
    if band is None:
        return True
    return band.start <= local.time() and (band.end is None or local.time() < band.end)


def reference_order(seed: bytes, public_ids: list[str]) -> list[str]:
    """The order as the module docstring tells the public to compute it."""
    return sorted(
        public_ids,
        key=lambda public_id: (
            hashlib.sha256(seed + public_id.encode("ascii")).hexdigest(),
            public_id,
        ),
    )


def reference_allocation(
    seed: bytes, lottery_requests: list[LotteryRequest], released: list[ReleasedSlot]
) -> Allocation:
    """Rule 4 by brute force: for each request, scan every slot, earliest instant first."""
    by_id = {request.public_id: request for request in lottery_requests}
    order = reference_order(seed, list(by_id))
    remaining = {slot.id: slot.seats for slot in released}
    earliest_first = sorted(released, key=lambda slot: (slot.starts_at.astimezone(UTC), slot.id))
    assignments: dict[str, Assignment] = {}
    waitlist = []
    for public_id in order:
        for rank, preference in enumerate(by_id[public_id].preferences, 1):
            free = [s for s in earliest_first if remaining[s.id] > 0 and matches(preference, s)]
            if free:
                remaining[free[0].id] -= 1
                assignments[public_id] = Assignment(free[0].id, rank)
                break
        else:
            waitlist.append(public_id)
    return Allocation(order=tuple(order), assignments=assignments, waitlist=tuple(waitlist))
