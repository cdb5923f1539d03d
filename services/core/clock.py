"""The current time and today's date, in one place for the whole code.

Every "now" and every "today" of the services comes from here (``models.types.utcnow``, the
column default, calls ``now`` too), so that one patch moves them all in a test. Today is a
date in a time zone: UTC for trips and alerts (their countries span zones), the post's own
zone for anything a post promises (expected dates, legalization dates, reminders).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today_utc() -> date:
    """Today's date in UTC."""
    return now().date()


def today_in(time_zone: str) -> date:
    """Today's date on the wall clocks of ``time_zone`` (an IANA name, e.g. a post's)."""
    return now().astimezone(ZoneInfo(time_zone)).date()
