"""Application numbers, the state machine table and working-day arithmetic."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.applications.numbers import ALPHABET, format_number, is_well_formed
from services.applications.states import COMPLETED_STATES, FINAL_STATES, TRANSITIONS
from services.catalogue.working_days import add_working_days, working_days_between
from services.models import APPLICATION_STATES


def test_number_carries_post_year_sequence_and_check():
    number = format_number("FR-PAR", 2026, 123)
    assert number.startswith("FRPAR-2026-000123-")
    assert is_well_formed(number)
    assert is_well_formed(number.lower())
    assert not is_well_formed("FRPAR-2026-000123")


@given(st.integers(min_value=1, max_value=999_999), st.data())
def test_any_single_mistyped_character_is_recognised(sequence, data):
    number = format_number("JP-TYO", 2026, sequence)
    chars = list(number)
    positions = [i for i, c in enumerate(chars) if c != "-"]
    i = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != chars[i]]))
    chars[i] = replacement
    assert not is_well_formed("".join(chars))


@given(st.integers(min_value=1, max_value=999_999), st.data())
def test_swapping_two_adjacent_characters_is_recognised(sequence, data):
    body = format_number("AU-SYD", 2027, sequence).replace("-", "")
    i = data.draw(st.integers(min_value=0, max_value=len(body) - 2))
    if body[i] == body[i + 1]:
        return
    swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
    number = f"{swapped[:5]}-{swapped[5:9]}-{swapped[9:-1]}-{swapped[-1]}"
    assert not is_well_formed(number)


def test_state_machine_table():
    assert set(TRANSITIONS) == set(APPLICATION_STATES)
    for state, nexts in TRANSITIONS.items():
        assert set(nexts) <= set(APPLICATION_STATES), state
    assert FINAL_STATES == {"collected", "delivered", "rejected", "withdrawn"}
    # nothing leaves a final state; nothing returns to "submitted"
    assert all(not TRANSITIONS[s] for s in FINAL_STATES)
    assert not any("submitted" in nexts for nexts in TRANSITIONS.values())
    # every state is reachable from "submitted"
    seen, frontier = {"submitted"}, ["submitted"]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(APPLICATION_STATES)
    assert COMPLETED_STATES <= seen


@pytest.fixture(autouse=True)
def no_closures(monkeypatch):
    """These posts are plain objects: no closure table behind them (a test may add some)."""
    monkeypatch.setattr(
        "services.catalogue.post_calendar.full_day_closures", lambda post, start, end, **_: set()
    )


def _post(weekend=(6, 7)):
    return SimpleNamespace(weekend_days=list(weekend), time_zone="Europe/Paris", id=1)


def test_working_days_skip_weekends():
    friday = date(2026, 11, 27)
    assert add_working_days(_post(), friday, 1) == date(2026, 11, 30)  # Monday
    assert add_working_days(_post(), friday, 5) == date(2026, 12, 4)
    assert add_working_days(_post(), date(2026, 11, 28), 1) == date(2026, 11, 30)  # from Saturday


def test_working_days_across_the_year_end():
    assert add_working_days(_post(), date(2026, 12, 30), 3) == date(2027, 1, 4)
    assert working_days_between(_post(), date(2026, 12, 30), date(2027, 1, 4)) == 3


def test_friday_saturday_weekend():
    thursday = date(2026, 11, 26)
    assert add_working_days(_post(weekend=(5, 6)), thursday, 1) == date(2026, 11, 29)  # Sunday


def test_closures_are_skipped(monkeypatch):
    closed = {date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)}
    monkeypatch.setattr(
        "services.catalogue.post_calendar.full_day_closures",
        lambda post, start, end, **_: {d for d in closed if start <= d <= end},
    )
    # Wed 23 Dec + 3 working days: Thu 24 and Fri 25 closed, Sat/Sun weekend.
    assert add_working_days(_post(), date(2026, 12, 23), 3) == date(2026, 12, 30)
    assert add_working_days(_post(), date(2026, 12, 30), 2) == date(2027, 1, 4)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 60))
def test_adding_then_counting_working_days_round_trips(start, days):
    end = add_working_days(_post(), start, days)
    assert working_days_between(_post(), start, end) == days
    assert end.isoweekday() < 6 or days == 0
