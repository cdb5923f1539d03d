"""Plain helpers for the safety-alert tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

STAFF = "/api/v1/staff/alerts"


def today() -> date:
    return datetime.now(UTC).date()


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def expiry(hours: int = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def alert_payload(**overrides: Any) -> dict:
    data = {
        "countries": ["FR"],
        "region": "Paris",
        "level": "warning",
        "title": {"en": "Transport strike", "vi": "Đình công giao thông"},
        "body": {"en": "Expect no trains on Thursday.", "vi": "Không có tàu vào thứ Năm."},
        "expires_at": expiry(),
    }
    data.update(overrides)
    return data


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def draft(client, headers: dict, **overrides: Any) -> dict:
    return ok(client.post(STAFF, json=alert_payload(**overrides), headers=headers), 201)


def submit(client, headers: dict, alert_id: int) -> dict:
    return ok(client.post(f"{STAFF}/{alert_id}/submit", headers=headers))


def approve(client, headers: dict, alert_id: int, version: int) -> dict:
    return ok(
        client.post(f"{STAFF}/{alert_id}/approve", json={"version": version}, headers=headers)
    )


def publish(client, author: dict, approver: dict, **overrides: Any) -> dict:
    """Draft, submit and approve an alert (two officers); returns the staff view."""
    alert = draft(client, author, **overrides)
    submit(client, author, alert["id"])
    return approve(client, approver, alert["id"], alert["open_version"]["number"])


def register_device(client, headers: dict, token: str, locale: str = "en") -> dict:
    return ok(
        client.post(
            "/api/v1/devices",
            json={"token": token, "platform": "android", "locale": locale},
            headers=headers,
        ),
        201,
    )


def add_trip(client, headers: dict, country: str = "FR", start: int = 0, end: int = 7) -> dict:
    return ok(
        client.post(
            "/api/v1/trips",
            json={
                "country": country,
                "city": "Paris",
                "start_date": in_days(start),
                "end_date": in_days(end),
            },
            headers=headers,
        ),
        201,
    )
