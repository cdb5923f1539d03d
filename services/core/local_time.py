"""Wall-clock times in a post's IANA zone, converted to and from UTC without DST surprises.

Opening hours are wall-clock times. On the day clocks go forward, times in the gap do not
exist and are skipped; on the day they go back, the repeated hour is taken once (fold=0, its
first occurrence), so no slot is duplicated, none is missing, none is shifted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def utc_offset(local: datetime) -> str:
    """``UTC+02:00``, ``UTC-03:30``: an aware datetime's offset as the texts show it, since
    the reader may be somewhere else."""
    offset = local.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def local_stamp(local: datetime) -> str:
    """``2027-03-28 09:00 (UTC+02:00)``: an aware datetime in its own zone, with its offset
    (the e-mails' and notices' plain form; ``i18n.display`` has the locale's)."""
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset(local)})"


def wall_clock_exists(naive: datetime, tz: ZoneInfo) -> bool:
    """False for a local time inside a daylight-saving gap (it never shows on a clock)."""
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time (first occurrence), or None inside a gap."""
    if not wall_clock_exists(naive, tz):
        return None
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (the first instant, even when midnight is skipped)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) covering the local days ``first`` to ``last`` inclusive."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def wall_clock_slots(
    day: date, opens: time, closes: time, minutes: int, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """UTC (start, end) of each slot of one opening: starts step in wall-clock time, each
    slot lasts ``minutes`` of real time and must end by the closing time on the clock."""
    step = timedelta(minutes=minutes)
    cursor = datetime.combine(day, opens)
    closing = datetime.combine(day, closes)
    while cursor + step <= closing:
        start = local_to_utc(cursor, tz)
        if start is not None:
            yield start, start + step
        cursor += step
