"""The published record: it round-trips through JSON, the public check confirms an honest
record and catches a forged one, from the command line too."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from services.releases.lottery import (
    MORNING,
    LotteryRequest,
    Preference,
    ReleasedSlot,
    TimeBand,
    allocate,
    commitment_of,
)
from services.releases.publication import (
    main,
    publication_document,
    read_publication,
    verify_publication,
)
from tests.services.releases.support import requests, seeds, slots

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 12, 14)


@pytest.fixture(autouse=True)
def _clean_state():
    """Pure functions: no database to empty (replaces the suite's fixture, so no app is built)."""
    yield


def _document() -> dict:
    seed = bytes.fromhex("a1" * 32)
    released = [
        ReleasedSlot(n, datetime.combine(DAY, time(8 + n), tzinfo=LONDON), 1) for n in range(1, 5)
    ]
    lottery_requests = [
        LotteryRequest(
            f"R{n:03d}",
            (Preference(DAY, TimeBand(time(9), time(10, 30))), Preference(DAY, MORNING)),
        )
        for n in range(8)
    ] + [
        LotteryRequest("Y", (Preference(date(2026, 12, 15)),)),  # a day with nothing released
        LotteryRequest("Z", (Preference(DAY, TimeBand(time(12))),)),  # the only one after noon
    ]
    allocation = allocate(seed, lottery_requests, released)
    document = publication_document(
        seed, commitment_of(seed), lottery_requests, released, allocation
    )
    return json.loads(json.dumps(document))  # exactly what a reader downloads


def test_an_honest_record_checks_out():
    document = _document()
    assert document["requests"][0] == {
        "id": "R000",
        "preferences": [
            {"day": "2026-12-14", "from": "09:00", "until": "10:30"},
            {"day": "2026-12-14", "from": "00:00", "until": "12:00"},
        ],
    }
    assert document["requests"][-2:] == [
        {"id": "Y", "preferences": [{"day": "2026-12-15"}]},
        {"id": "Z", "preferences": [{"day": "2026-12-14", "from": "12:00"}]},
    ]
    assert document["slots"][0] == {"id": 1, "starts_at": "2026-12-14T09:00:00+00:00", "seats": 1}
    verification = verify_publication(document)
    assert verification.ok
    assert len(verification.recomputed.assignments) == 4
    assert len(verification.recomputed.waitlist) == 6
    assert verification.recomputed.assignments["Z"].slot_id == 4


@given(seed=seeds, lottery_requests=requests(max_size=15), released=slots(max_size=8))
def test_every_allocation_round_trips(seed, lottery_requests, released):
    allocation = allocate(seed, lottery_requests, released)
    document = publication_document(
        seed, commitment_of(seed), lottery_requests, released, allocation
    )
    published = read_publication(json.loads(json.dumps(document)))
    assert published.allocation == allocation
    assert sorted(published.requests, key=lambda r: r.public_id) == sorted(
        lottery_requests, key=lambda r: r.public_id
    )
    assert verify_publication(document).ok


def _forged(change) -> dict:
    document = copy.deepcopy(_document())
    change(document)
    return document


def _swap_first_two_seats(document):
    first, second = document["result"]["assignments"][:2]
    first["slot"], second["slot"] = second["slot"], first["slot"]


def _drop_a_request(document):
    document["requests"].pop()


def _other_seed(document):
    document["seed"] = "00" * 32


def _more_seats(document):
    document["slots"][0]["seats"] = 3


def _promote_from_waitlist(document):
    result = document["result"]
    lucky = result["waitlist"].pop(0)
    result["assignments"].append({"request": lucky, "slot": 4, "preference": 2})


@pytest.mark.parametrize(
    "change",
    [_swap_first_two_seats, _drop_a_request, _other_seed, _more_seats, _promote_from_waitlist],
)
def test_a_forged_record_fails(change):
    assert not verify_publication(_forged(change)).ok


def test_the_command_line_check(tmp_path, capsys):
    honest, forged = tmp_path / "honest.json", tmp_path / "forged.json"
    honest.write_text(json.dumps(_document()))
    forged.write_text(json.dumps(_forged(_swap_first_two_seats)))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"scheme": "palm-lottery-0"}))

    assert main([str(honest)]) == 0
    assert capsys.readouterr().out.startswith("OK: 10 requests, 4 assigned, 6 on the waitlist")
    assert main([str(forged)]) == 1
    assert capsys.readouterr().out.count("FAILED:") == 2
    assert main([str(broken)]) == 2
    assert main([str(tmp_path / "missing.json")]) == 2
    assert main([]) == 2
