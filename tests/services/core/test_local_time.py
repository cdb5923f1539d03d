"""The one way texts show a time's UTC offset (e-mails, notices, the locale's display)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.core.local_time import local_stamp, utc_offset


def test_offsets_keep_their_sign_and_minutes():
    at = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert utc_offset(at) == "UTC+00:00"
    assert utc_offset(at.astimezone(ZoneInfo("Asia/Kolkata"))) == "UTC+05:30"
    assert utc_offset(at.astimezone(ZoneInfo("America/St_Johns"))) == "UTC-02:30"
    assert local_stamp(at.astimezone(ZoneInfo("Europe/Paris"))) == "2027-03-28 09:00 (UTC+02:00)"
