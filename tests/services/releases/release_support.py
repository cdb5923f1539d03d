"""Shared set-up for the release and waitlist tests: a frozen clock, a Paris post with
slots on two release days, an officer, and travellers with passport numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.services.appointments.appointment_support import Clock

# Monday 2027-01-11 09:00 Paris. The release's days are Monday 18 and Tuesday 19 January.
NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
DAY1, DAY2 = date(2027, 1, 18), date(2027, 1, 19)
_passports = itertools.count(1000000)


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    from services.core import clock

    fake = Clock(NOW)
    monkeypatch.setattr(clock, "now", fake)
    return fake


@dataclass
class Hall:
    post: str
    service: str
    officer: Any
    officer_headers: dict[str, str]
    slots: dict[str, int] = field(default_factory=dict)  # "d1-09" -> slot id


def slot_start(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 1, 0, tzinfo=UTC)  # Paris = UTC+1


@pytest.fixture
def hall(make, frozen) -> Hall:
    """Two days, a morning (09:00) and an afternoon (14:00) slot each, two seats a slot."""
    post = make.post()
    service = make.service_type(names={"en": "Passport renewal", "vi": "Gia hạn hộ chiếu"})
    make.fee(post.code, service.code, "42.50")
    officer = make.staff(posts=[post.code])
    hall = Hall(post.code, service.code, officer, make.auth(officer))
    for name, day in (("d1", DAY1), ("d2", DAY2)):
        for hour in (9, 14):
            slot = make.slot(post.code, service.code, slot_start(day, hour), capacity=2)
            hall.slots[f"{name}-{hour:02d}"] = slot.id
    return hall


def traveller(make, *, passport: str | None = None, born: str = "1990-05-17", language="en"):
    """A citizen with one applicant (a fresh passport number unless given); returns
    (account, applicant id, headers)."""
    citizen = make.citizen(language=language) if language != "en" else make.citizen()
    applicant = make.applicant(
        citizen, passport_number=passport or f"C{next(_passports)}", date_of_birth=born
    )
    return citizen, applicant.id, make.auth(citizen)


def open_release(client, hall: Hall, **overrides) -> dict:
    body = {
        "service": hall.service,
        "first_day": DAY1.isoformat(),
        "last_day": DAY2.isoformat(),
        "opens_at": (NOW + timedelta(hours=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=2)).isoformat(),
        "max_per_account": 2,
    }
    body.update(overrides)
    response = client.post(
        f"/api/v1/staff/posts/{hall.post}/releases", json=body, headers=hall.officer_headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ask(client, release_id: str, headers, applicant_id: int, *preferences, **extra):
    prefs = [p if isinstance(p, dict) else {"day": p.isoformat()} for p in preferences]
    return client.post(
        f"/api/v1/releases/{release_id}/requests",
        json={"applicant_id": applicant_id, "preferences": prefs or [{"day": DAY1.isoformat()}]},
        headers=headers,
        **extra,
    )


def seat_counts(app) -> dict[int, tuple[int, int, int]]:
    """{slot id: (capacity, booked, held)} straight from the database."""
    from services.core.db import db
    from services.models import Slot

    with app.app_context():
        return {s.id: (s.capacity, s.booked, s.held) for s in db.session.query(Slot).all()}
