"""Daylight saving, north and south: no slot duplicated, missing or shifted by an hour.

Paris (Europe/Paris) goes forward on the last Sunday of March and back on the last Sunday
of October; Sydney (Australia/Sydney) goes back on the first Sunday of April and forward on
the first Sunday of October. Each post opens 09:00-12:00 every day and also, to exercise the
hours that move, 00:00-04:00 on Sundays.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.core.local_time import wall_clock_slots, zone

DAY_STARTS = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
NIGHT = ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]

CASES = [
    # zone, the Sunday of the change, offsets before / after, night wall times that exist
    pytest.param(
        "Europe/Paris", "2027-03-28", "+01:00", "+02:00",
        [t for t in NIGHT if t not in ("02:00", "02:30")], id="paris-spring-forward",
    ),
    pytest.param(
        "Europe/Paris", "2027-10-31", "+02:00", "+01:00", NIGHT, id="paris-fall-back"
    ),
    pytest.param(
        "Australia/Sydney", "2027-04-04", "+11:00", "+10:00", NIGHT, id="sydney-fall-back"
    ),
    pytest.param(
        "Australia/Sydney", "2027-10-03", "+10:00", "+11:00",
        [t for t in NIGHT if t not in ("02:00", "02:30")], id="sydney-spring-forward",
    ),
]  # fmt: skip


@pytest.fixture
def dst_post(make, frozen):
    def build(time_zone: str, sunday: str):
        day = datetime.fromisoformat(sunday).replace(tzinfo=UTC)
        frozen.now = day - timedelta(days=10)
        post = make.post(time_zone=time_zone, country="AU" if "Sydney" in time_zone else "FR")
        service = make.service_type()
        make.fee(post.code, service.code, "10")
        for weekday in range(7):
            make.template(post.code, [service.code], weekday=weekday, opens_at=time(9),
                          closes_at=time(12))  # fmt: skip
        make.template(post.code, [service.code], weekday=6, opens_at=time(0), closes_at=time(4))
        return post, service

    return build


def _availability(client, post, service, first: str, last: str):
    response = client.get(
        f"/api/v1/posts/{post.code}/availability",
        query_string={"service": service.code, "from": first, "to": last},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slots"]


@pytest.mark.parametrize(("tz", "sunday", "before", "after", "night"), CASES)
def test_slots_across_a_change_are_right(client, dst_post, tz, sunday, before, after, night):
    post, service = dst_post(tz, sunday)
    sunday_date = datetime.fromisoformat(sunday).date()
    saturday, monday = sunday_date - timedelta(days=1), sunday_date + timedelta(days=1)
    slots = _availability(client, post, service, saturday.isoformat(), monday.isoformat())

    by_day: dict[str, list[str]] = {}
    for slot in slots:
        start = datetime.fromisoformat(slot["start"])
        end = datetime.fromisoformat(slot["end"])
        assert end - start == timedelta(minutes=30)  # real duration, whatever the clock does
        by_day.setdefault(slot["start"][:10], []).append(slot["start"][11:])

    assert by_day[saturday.isoformat()] == [f"{t}:00{before}" for t in DAY_STARTS]
    assert by_day[monday.isoformat()] == [f"{t}:00{after}" for t in DAY_STARTS]
    sunday_starts = by_day[sunday]
    # The night: every wall time that exists appears exactly once, in order; then the day.
    assert [s[:5] for s in sunday_starts] == night + DAY_STARTS
    assert sunday_starts[-6:] == [f"{t}:00{after}" for t in DAY_STARTS]
    assert sunday_starts[0].endswith(before)
    # No instant twice, and strictly increasing in real time.
    instants = [datetime.fromisoformat(s["start"]).astimezone(UTC) for s in slots]
    assert instants == sorted(set(instants))
    # Each displayed wall time is the local reading of the stored UTC instant.
    tzinfo = zone(tz)
    for slot in slots:
        shown = datetime.fromisoformat(slot["start"])
        assert shown.astimezone(tzinfo).replace(tzinfo=None) == shown.replace(tzinfo=None)


@pytest.mark.parametrize(("tz", "sunday", "before", "after", "night"), CASES)
def test_regenerating_on_a_change_day_changes_nothing(
    app, dst_post, tz, sunday, before, after, night
):
    from services.appointments.slots import generate_slots_for_post

    post, _ = dst_post(tz, sunday)
    with app.app_context():
        assert generate_slots_for_post(post.code).as_dict() == {
            "created": 0, "updated": 0, "deleted": 0, "kept": 0,
        }  # fmt: skip


def test_wall_clock_slots_skip_the_gap_and_take_the_repeated_hour_once():
    paris = zone("Europe/Paris")
    spring = list(wall_clock_slots(datetime(2027, 3, 28).date(), time(1), time(4), 60, paris))
    assert [s.isoformat() for s, _ in spring] == [
        "2027-03-28T00:00:00+00:00",  # 01:00 CET
        "2027-03-28T01:00:00+00:00",  # 03:00 CEST (02:00 does not exist)
    ]
    autumn = list(wall_clock_slots(datetime(2027, 10, 31).date(), time(1), time(4), 60, paris))
    assert [s.isoformat() for s, _ in autumn] == [
        "2027-10-30T23:00:00+00:00",  # 01:00 CEST
        "2027-10-31T00:00:00+00:00",  # 02:00 CEST, the first of the two
        "2027-10-31T02:00:00+00:00",  # 03:00 CET
    ]


def test_booked_slot_keeps_its_local_hour_in_the_answer(client, make, dst_post, frozen):
    post, service = dst_post("Australia/Sydney", "2027-10-03")
    slot = next(
        s for s in _availability(client, post, service, "2027-10-04", "2027-10-04")
        if s["start"].startswith("2027-10-04T09:00")
    )  # fmt: skip
    citizen = make.citizen()
    applicant = make.applicant(citizen)
    response = client.post(
        "/api/v1/appointments",
        json={"applicant_id": applicant.id, "post": post.code, "service": service.code,
              "slot_id": slot["id"]},
        headers=make.auth(citizen),
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["start"] == "2027-10-04T09:00:00+11:00"
    assert response.get_json()["end"] == "2027-10-04T09:30:00+11:00"
