"""The lottery: commitment, the draw anyone can recompute, and the allocation's fairness
properties (capacity, exactly-once, only what was asked, nobody overtaken)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.releases import lottery
from services.releases.lottery import (
    AFTERNOON,
    MORNING,
    Allocation,
    Assignment,
    LotteryRequest,
    Preference,
    ReleasedSlot,
    TimeBand,
    allocate,
    commitment_of,
    lottery_order,
    new_seed,
    recompute,
    seed_from_hex,
    seed_matches,
)
from tests.services.releases.support import (
    NAIROBI,
    matches,
    reference_allocation,
    reference_order,
    requests,
    seeds,
    slots,
)

# A published test vector, checked with coreutils: (seed bytes; printf 'R-0001') | sha256sum
VECTOR_SEED = bytes(range(32))
VECTOR_COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
VECTOR_DRAW_R0001 = "1216e362a397218165440ee1bf8fe0858c946acb89a54d50b01be9e6b80e4473"
VECTOR_ORDER = ["R-0001", "R-0005", "R-0004", "R-0003", "R-0002"]


@pytest.fixture(autouse=True)
def _clean_state():
    """Pure functions: no database to empty (replaces the suite's fixture, so no app is built)."""
    yield


def _slot(slot_id: int, day: date, at: time, seats: int, zone=NAIROBI) -> ReleasedSlot:
    return ReleasedSlot(slot_id, datetime.combine(day, at, tzinfo=zone), seats)


DAY = date(2026, 12, 14)


# --- seed and commitment ------------------------------------------------------------------
def test_commitment_round_trip():
    seed = new_seed()
    assert len(seed) == 32
    commitment = commitment_of(seed)
    assert commitment == hashlib.sha256(seed).hexdigest()
    assert seed_matches(seed, commitment)
    assert seed_matches(seed_from_hex(seed.hex()), commitment.upper())
    assert not seed_matches(new_seed(), commitment)
    assert not seed_matches(seed, commitment[:-1])
    assert not seed_matches(seed, "")


def test_seeds_are_fresh_and_exactly_32_bytes():
    assert new_seed() != new_seed()
    with pytest.raises(ValueError):
        commitment_of(b"short")
    with pytest.raises(ValueError):
        seed_from_hex("ab" * 31)
    with pytest.raises(ValueError):
        seed_from_hex("zz" * 32)


def test_published_test_vector():
    assert commitment_of(VECTOR_SEED) == VECTOR_COMMITMENT
    assert lottery.draw(VECTOR_SEED, "R-0001").hex() == VECTOR_DRAW_R0001
    assert lottery_order(VECTOR_SEED, ["R-0003", "R-0001", "R-0002", "R-0005", "R-0004"]) == (
        VECTOR_ORDER
    )


# --- the order ----------------------------------------------------------------------------
@given(
    seed=seeds,
    ids=st.lists(
        st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZ23456789-", min_size=1, max_size=12),
        unique=True,
        max_size=60,
    ),
)
def test_order_recomputed_with_hashlib_matches(seed, ids):
    expected = sorted(ids, key=lambda i: hashlib.sha256(seed + i.encode()).digest())
    assert lottery_order(seed, ids) == expected


@given(
    seed=seeds,
    ids=st.lists(st.text(min_size=1, max_size=5, alphabet="abc!~"), unique=True),
    rnd=st.randoms(use_true_random=False),
)
def test_order_ignores_the_input_order(seed, ids, rnd):
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    assert lottery_order(seed, shuffled) == lottery_order(seed, ids)


def test_a_different_seed_gives_a_different_order():
    ids = [f"R-{n:04d}" for n in range(50)]
    assert lottery_order(VECTOR_SEED, ids) != lottery_order(bytes(32), ids)


def test_equal_draws_fall_back_to_public_id(monkeypatch):
    class Constant:
        def copy(self):
            return self

        def update(self, data):
            pass

        def digest(self):
            return b"\x00" * 32

    monkeypatch.setattr(lottery.hashlib, "sha256", lambda *args: Constant())
    assert lottery_order(VECTOR_SEED, ["b", "C", "a", "B"]) == ["B", "C", "a", "b"]


@pytest.mark.parametrize("bad", ["", "with space", "é", "x" * 65, "tab\t"])
def test_public_ids_are_printable_ascii(bad):
    with pytest.raises(ValueError):
        lottery_order(VECTOR_SEED, [bad])


def test_duplicate_public_ids_are_refused():
    with pytest.raises(ValueError):
        lottery_order(VECTOR_SEED, ["A", "A"])
    request = LotteryRequest("A", (Preference(DAY),))
    with pytest.raises(ValueError):
        allocate(VECTOR_SEED, [request, request], [])


# --- inputs -------------------------------------------------------------------------------
def test_input_validation():
    with pytest.raises(ValueError):
        LotteryRequest("A", ())
    with pytest.raises(ValueError):
        LotteryRequest("A", tuple(Preference(DAY) for _ in range(4)))
    with pytest.raises(ValueError):
        Preference(datetime(2026, 12, 14, 9))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TimeBand(time(12), time(12))
    with pytest.raises(ValueError):
        ReleasedSlot(1, datetime(2026, 12, 14, 9), 1)  # naive
    with pytest.raises(ValueError):
        ReleasedSlot(1, datetime(2026, 12, 14, 9, tzinfo=UTC), -1)
    with pytest.raises(ValueError):
        allocate(VECTOR_SEED, [], [_slot(1, DAY, time(9), 1), _slot(1, DAY, time(10), 1)])
    # A list of preferences is kept as a tuple, so requests stay hashable and immutable.
    listed = LotteryRequest("A", [Preference(DAY)])  # type: ignore[arg-type]
    assert listed.preferences == (Preference(DAY),)


def test_bands_match_the_wall_clock_start():
    assert MORNING.contains(time(0)) and MORNING.contains(time(11, 59))
    assert not MORNING.contains(time(12)) and AFTERNOON.contains(time(12))
    assert AFTERNOON.contains(time(23, 59))
    nine_to_ten = Preference(DAY, TimeBand(time(9), time(10)))
    assert nine_to_ten.matches(datetime.combine(DAY, time(9), tzinfo=NAIROBI))
    assert not nine_to_ten.matches(datetime.combine(DAY, time(10), tzinfo=NAIROBI))
    assert not Preference(date(2026, 12, 15)).matches(
        datetime.combine(DAY, time(9), tzinfo=NAIROBI)
    )


def test_a_stored_utc_start_is_matched_on_the_posts_day():
    tokyo = ZoneInfo("Asia/Tokyo")
    slot = ReleasedSlot.at_post(7, datetime(2026, 12, 14, 23, 30, tzinfo=UTC), 1, tokyo)
    request = LotteryRequest("A", (Preference(date(2026, 12, 15), MORNING),))
    assert allocate(VECTOR_SEED, [request], [slot]).assignments == {"A": Assignment(7, 1)}


# --- allocation examples ------------------------------------------------------------------
def test_best_preference_with_a_seat_then_the_waitlist_in_order():
    # Order for VECTOR_SEED: R-0001, R-0005, R-0004, R-0003, R-0002.
    released = [_slot(10, DAY, time(9), 1), _slot(11, DAY, time(14), 2)]
    morning, afternoon = Preference(DAY, MORNING), Preference(DAY, AFTERNOON)
    requests_ = [
        LotteryRequest("R-0001", (afternoon,)),
        LotteryRequest("R-0002", (morning, afternoon)),
        LotteryRequest("R-0003", (morning,)),
        LotteryRequest("R-0004", (morning, afternoon)),
        LotteryRequest("R-0005", (morning, afternoon)),
    ]
    result = allocate(VECTOR_SEED, requests_, released)
    assert result == Allocation(
        order=tuple(VECTOR_ORDER),
        assignments={
            "R-0001": Assignment(11, 1),
            "R-0005": Assignment(10, 1),
            "R-0004": Assignment(11, 2),
        },
        waitlist=("R-0003", "R-0002"),
    )
    assert list(result.assignments) == ["R-0001", "R-0005", "R-0004"]
    assert result.place("R-0004") == 3


def test_earliest_free_slot_by_instant_across_the_repeated_hour():
    london = ZoneInfo("Europe/London")
    fall_back = date(2026, 10, 25)  # 01:00-02:00 happens twice
    first = datetime(2026, 10, 25, 1, 30, tzinfo=london)  # BST, 00:30 UTC
    later = datetime(2026, 10, 25, 1, 45, tzinfo=london)  # BST, 00:45 UTC
    repeated = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=london)  # GMT, 01:30 UTC
    released = [
        ReleasedSlot(1, repeated, 1),
        ReleasedSlot(2, later, 1),
        ReleasedSlot(3, first, 1),
        ReleasedSlot(4, datetime(2026, 10, 25, 1, 0, tzinfo=london), 0),  # no seat held
    ]
    wanted = Preference(fall_back, TimeBand(time(1), time(2)))
    result = allocate(VECTOR_SEED, [LotteryRequest(i, (wanted,)) for i in VECTOR_ORDER], released)
    by_place = [result.assignments.get(public_id) for public_id in result.order]
    assert [a.slot_id if a else None for a in by_place] == [3, 2, 1, None, None]


def test_nothing_released_puts_everyone_on_the_waitlist_in_order():
    result = allocate(
        VECTOR_SEED, [LotteryRequest(i, (Preference(DAY),)) for i in reversed(VECTOR_ORDER)], []
    )
    assert result.assignments == {} and result.waitlist == tuple(VECTOR_ORDER)


# --- properties ---------------------------------------------------------------------------
@given(seed=seeds, lottery_requests=requests(), released=slots())
def test_equals_the_brute_force_reading_of_the_rules(seed, lottery_requests, released):
    assert allocate(seed, lottery_requests, released) == reference_allocation(
        seed, lottery_requests, released
    )


@given(
    seed=seeds, lottery_requests=requests(), released=slots(), rnd=st.randoms(use_true_random=False)
)
def test_the_input_order_changes_nothing(seed, lottery_requests, released, rnd):
    shuffled_requests, shuffled_slots = list(lottery_requests), list(released)
    rnd.shuffle(shuffled_requests)
    rnd.shuffle(shuffled_slots)
    assert allocate(seed, shuffled_requests, shuffled_slots) == allocate(
        seed, lottery_requests, released
    )


@given(seed=seeds, lottery_requests=requests(), released=slots())
def test_fairness_invariants(seed, lottery_requests, released):
    result = allocate(seed, lottery_requests, released)
    by_id = {request.public_id: request for request in lottery_requests}
    seats = {slot.id: slot.seats for slot in released}
    slot_by_id = {slot.id: slot for slot in released}

    # The order is the independently computed draw; everyone is in it once.
    assert list(result.order) == reference_order(seed, list(by_id))

    # Every request is assigned exactly once or waitlisted, never both; the waitlist keeps
    # the lottery order.
    assert set(result.assignments).isdisjoint(result.waitlist)
    assert set(result.assignments) | set(result.waitlist) == set(by_id)
    assert len(result.waitlist) == len(set(result.waitlist))
    assert list(result.waitlist) == [p for p in result.order if p in set(result.waitlist)]
    assert list(result.assignments) == [p for p in result.order if p in result.assignments]

    # No slot over its seats.
    taken = Counter(assignment.slot_id for assignment in result.assignments.values())
    assert all(count <= seats[slot_id] for slot_id, count in taken.items())

    # A request only gets a preference it asked for, at the rank reported.
    for public_id, assignment in result.assignments.items():
        preference = by_id[public_id].preferences[assignment.preference - 1]
        assert matches(preference, slot_by_id[assignment.slot_id])

    # Nobody is overtaken: at each request's turn, every preference ranked above the one it got
    # (all of them, for the waitlist) had no free seat given what the requests before it took,
    # and within the one it got it took the earliest free slot.
    used: Counter[int] = Counter()
    for public_id in result.order:
        got = result.assignments.get(public_id)
        asked = by_id[public_id].preferences
        better = asked if got is None else asked[: got.preference - 1]
        for preference in better:
            assert all(used[s.id] >= s.seats for s in released if matches(preference, s))
        if got is not None:
            free = [
                s
                for s in released
                if used[s.id] < s.seats and matches(asked[got.preference - 1], s)
            ]
            earliest = min(free, key=lambda s: (s.starts_at.astimezone(UTC), s.id))
            assert got.slot_id == earliest.id
            used[got.slot_id] += 1


# --- recompute ----------------------------------------------------------------------------
def _example():
    seed = bytes.fromhex("5e" * 32)
    released = [_slot(n, DAY, time(8 + n), 1) for n in range(1, 4)]
    lottery_requests = [
        LotteryRequest(f"R-{n}", (Preference(DAY, MORNING), Preference(DAY))) for n in range(6)
    ]
    return seed, lottery_requests, released


def test_recompute_confirms_an_honest_publication():
    seed, lottery_requests, released = _example()
    published = allocate(seed, lottery_requests, released)
    verification = recompute(
        seed, commitment_of(seed), reversed(lottery_requests), released, published
    )
    assert verification.ok
    assert verification.recomputed == published
    assert verification.differences == ()


def test_recompute_reports_a_swapped_seat():
    seed, lottery_requests, released = _example()
    honest = allocate(seed, lottery_requests, released)
    first, second = list(honest.assignments)[:2]
    forged = dict(honest.assignments)
    forged[first], forged[second] = forged[second], forged[first]
    verification = recompute(
        seed,
        commitment_of(seed),
        lottery_requests,
        released,
        Allocation(honest.order, forged, honest.waitlist),
    )
    assert not verification.ok
    assert verification.seed_matches_commitment
    assert len(verification.differences) == 2
    assert verification.differences[0].startswith(f"{first}: recomputed slot")


def test_recompute_reports_a_reordered_or_padded_publication():
    seed, lottery_requests, released = _example()
    honest = allocate(seed, lottery_requests, released)
    reordered = Allocation(tuple(reversed(honest.order)), honest.assignments, honest.waitlist)
    differences = recompute(
        seed, commitment_of(seed), lottery_requests, released, reordered
    ).differences
    assert differences and differences[0].startswith("order: place 1")
    padded = Allocation(
        honest.order, {**honest.assignments, "R-X": Assignment(1, 1)}, honest.waitlist
    )
    differences = recompute(
        seed, commitment_of(seed), lottery_requests, released, padded
    ).differences
    assert differences == ("R-X: published an assignment for an unknown request",)
    short_waitlist = Allocation(honest.order, honest.assignments, honest.waitlist[1:])
    assert not recompute(seed, commitment_of(seed), lottery_requests, released, short_waitlist).ok


def test_recompute_refuses_a_seed_the_commitment_did_not_promise():
    seed, lottery_requests, released = _example()
    published = allocate(seed, lottery_requests, released)
    verification = recompute(seed, commitment_of(bytes(32)), lottery_requests, released, published)
    assert not verification.seed_matches_commitment
    assert verification.differences == ()
    assert not verification.ok
