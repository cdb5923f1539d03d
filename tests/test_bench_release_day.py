"""Release day's goal line (``bench.release_day._verdict``): met only when every release
booked exactly its 100 seats with none over, every client was answered without a 5xx, and
the median release answered everyone within 3 s; a single bad release fails it however
quick the median."""

from __future__ import annotations

from bench import release_day
from bench.aio_clients import Released


def _release(
    last_answer: float, *, overbooked: int = 0, statuses=None, booked_clients=100, counted=None
):
    statuses = statuses if statuses is not None else [200] * 1000 + [201] * 100 + [409] * 2700
    outcome = Released(statuses, [0.01] * len(statuses), last_answer, booked_clients, 0.5)
    ceiling = Released([200] * 4000, [0.01] * 4000, 1.5, 0, 0.4)
    booked = 100 + overbooked
    if counted is None:
        counted = {"booked": booked, "rows": booked, "overbooked": 1 if overbooked else 0}
    return release_day.Round(outcome, ceiling, 4.0, counted)


def test_the_median_release_within_3_s_meets_the_goal():
    line = release_day._verdict([_release(2.5), _release(3.4), _release(2.9)])
    assert "median of 3 releases: 2.90 s" in line and line.endswith(": met")


def test_exactly_3_s_meets_it():
    assert release_day._verdict([_release(3.0)]).endswith(": met")


def test_of_an_even_count_the_lower_middle_release_counts():
    line = release_day._verdict([_release(2.8), _release(3.4), _release(2.0), _release(3.9)])
    assert "median of 4 releases: 2.80 s" in line and line.endswith(": met")


def test_a_median_release_over_3_s_does_not():
    line = release_day._verdict([_release(2.5), _release(3.1), _release(3.9)])
    assert "3.10 s" in line and line.endswith("NOT met")


def test_one_overbooked_release_fails_the_goal_whatever_the_time():
    line = release_day._verdict([_release(2.5), _release(2.0, overbooked=1), _release(2.9)])
    assert "(NO)" in line and line.endswith("NOT met")


def test_one_client_unanswered_or_a_5xx_fails_the_goal():
    unanswered = [200] * 999 + [0] + [201] * 100 + [409] * 2700
    a_5xx = [200] * 999 + [503] + [201] * 100 + [409] * 2700
    for statuses in (unanswered, a_5xx):
        line = release_day._verdict([_release(2.5), _release(2.0, statuses=statuses)])
        assert line.endswith("NOT met")


def test_a_release_where_fewer_clients_booked_than_seats_fails_the_goal():
    line = release_day._verdict([_release(2.5, booked_clients=99), _release(2.0)])
    assert line.endswith("NOT met")


def test_the_database_must_count_exactly_the_seats_in_slots_and_rows():
    for counted in (
        {"booked": 99, "rows": 99, "overbooked": 0},  # a seat lost
        {"booked": 100, "rows": 101, "overbooked": 0},  # a row without its seat
        {"booked": 100, "rows": 99, "overbooked": 0},
    ):
        line = release_day._verdict([_release(2.5), _release(2.0, counted=counted)])
        assert "(NO)" in line and line.endswith("NOT met"), counted


def test_any_answer_but_200_201_and_409_fails_the_goal():
    for other in (401, 429, 400):
        statuses = [200] * 999 + [other] + [201] * 100 + [409] * 2700
        line = release_day._verdict([_release(2.5), _release(2.0, statuses=statuses)])
        assert line.endswith("NOT met"), other
