"""Working-day arithmetic in a post's calendar: weekends and closures skipped.

Dates are the post's local calendar dates. ``closed_dates`` is the single source of
full-day closures (public holidays, emergencies); the appointments area records them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.catalogue import post_calendar
from services.models import Post

# Far enough for any processing time, bounded so a bad calendar cannot loop forever.
_MAX_SCAN_DAYS = 3 * 366


def local_date_at(post: Post, instant: datetime) -> date:
    """The date on the post's wall clocks at ``instant`` (today: ``clock.today_in``)."""
    return instant.astimezone(ZoneInfo(post.time_zone)).date()


def closed_dates(
    post: Post, start: date, end: date, *, except_closure: int | None = None
) -> set[date]:
    """Full days the post is closed between ``start`` and ``end`` (inclusive); with
    ``except_closure``, as if that closure did not exist."""
    return post_calendar.full_day_closures(post, start, end, except_closure=except_closure)


def is_working_day(day: date, weekend_days: Iterable[int], closed: set[date]) -> bool:
    return day.isoweekday() not in set(weekend_days) and day not in closed


def closed_after(post: Post, starts: Iterable[date]) -> set[date]:
    """The closed dates ``add_working_days`` reads from each of ``starts``, in one read (for
    a caller that moves many dates)."""
    starts = list(starts)
    return closed_dates(post, min(starts), max(starts) + timedelta(days=_MAX_SCAN_DAYS))


def add_working_days(
    post: Post, start: date, days: int, *, closed: set[date] | None = None
) -> date:
    """The date ``days`` working days after ``start`` (start itself does not count);
    ``closed``: the post's closed dates from ``start`` on, if the caller read them
    (``closed_after``)."""
    weekend = set(post.weekend_days or [6, 7])
    if len(weekend) >= 7:
        raise ValueError("a post cannot be closed every day of the week")
    if closed is None:
        closed = closed_after(post, [start])
    day = start
    remaining = days
    for _ in range(_MAX_SCAN_DAYS):
        if remaining <= 0:
            return day
        day += timedelta(days=1)
        if is_working_day(day, weekend, closed):
            remaining -= 1
    raise ValueError("no working days found within three years")


def working_days_between(post: Post, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    weekend = set(post.weekend_days or [6, 7])
    closed = closed_dates(post, start, end)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, weekend, closed):
            count += 1
    return count
