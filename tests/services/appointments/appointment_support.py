"""Shared set-up for the appointment tests: a frozen clock and a post ready to book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

# A Monday, 09:00 in Paris (UTC+01:00 in January).
START = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
URL = "/api/v1/appointments"
MATERIALS = {
    "en": ["Old passport", "Photo"],
    "zh-Hans": ["旧护照", "照片"],
    "zh-Hant": ["舊護照", "照片"],
    "vi": ["Hộ chiếu cũ", "Ảnh"],
}


class Clock:
    """Replaces ``services.clock.now``; tests move it explicitly (no sleeping)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    from services.core import clock

    fake = Clock(START)
    monkeypatch.setattr(clock, "now", fake)
    return fake


@dataclass
class Desk:
    post: str
    service: str
    citizen: Any
    headers: dict[str, str]
    applicant_id: int
    slot_id: int
    slot_start: datetime


@pytest.fixture
def desk(make, frozen) -> Desk:
    """A Paris post offering one service (EUR 42.50), a citizen with an applicant, and a
    two-seat slot two days ahead (inside the default window, outside the 24 h cutoff)."""
    post = make.post()
    service = make.service_type(
        materials=MATERIALS,
        names={"en": "Passport renewal", "vi": "Gia hạn hộ chiếu", "zh-Hans": "护照换发"},
    )
    make.fee(post.code, service.code, "42.50")
    citizen = make.citizen()
    applicant = make.applicant(citizen)
    start = START + timedelta(days=2, hours=1)
    slot = make.slot(post.code, service.code, start, capacity=2)
    return Desk(post.code, service.code, citizen, make.auth(citizen), applicant.id, slot.id, start)


def book(client, desk: Desk, *, headers=None, applicant_id=None, slot_id=None, **extra):
    body = {
        "applicant_id": applicant_id or desk.applicant_id,
        "post": extra.pop("post", desk.post),
        "service": extra.pop("service", desk.service),
        "slot_id": slot_id or desk.slot_id,
    }
    return client.post(URL, json=body, headers=headers or desk.headers, **extra)


def slot_counts(app, slot_id: int) -> tuple[int, int, int]:
    """(booked, capacity, appointments that are not cancelled) of one slot."""
    from sqlalchemy import func, select

    from services.core.db import db
    from services.models import Appointment, Slot

    with app.app_context():
        slot = db.session.get(Slot, slot_id)
        holding = db.session.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.slot_id == slot_id, Appointment.status != "cancelled")
        )
        return slot.booked, slot.capacity, holding


def revoke_sessions(app, account_id: int) -> None:
    """Revoke every login session of the account (its tokens are then refused)."""
    from sqlalchemy import update

    from services.core import clock
    from services.core.db import db
    from services.models import LoginSession

    with app.app_context():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.account_id == account_id)
            .values(revoked_at=clock.now())
        )
        db.session.commit()
