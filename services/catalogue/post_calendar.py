"""A post's closures as the rest of the domain sees them.

The appointments area records closures as UTC periods; this module is the one place others
ask "is the post closed that whole day?" (working-day arithmetic for expected dates).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.core.db import db
from services.models import Closure, Post


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def full_day_closures(
    post: Post, start: date, end: date, *, except_closure: int | None = None
) -> set[date]:
    """Dates between ``start`` and ``end`` (inclusive) on which the post is closed all day.

    Days are the post's local days, so a closure entered for 24 December covers it whatever
    the UTC offset (and a 23- or 25-hour day at a daylight-saving change). With
    ``except_closure``, the calendar as it was without that closure (what a new one changed).
    """
    tz = ZoneInfo(post.time_zone)
    window_start = _local_midnight(start, tz)
    window_end = _local_midnight(end + timedelta(days=1), tz)
    query = select(Closure.starts_at, Closure.ends_at).where(
        Closure.post_id == post.id,
        Closure.starts_at < window_end,
        Closure.ends_at > window_start,
    )
    if except_closure is not None:
        query = query.where(Closure.id != except_closure)
    periods = db.session.execute(query).all()
    closed: set[date] = set()
    for starts_at, ends_at in periods:
        day = max(starts_at.astimezone(tz).date(), start)
        last = min(ends_at.astimezone(tz).date(), end)
        while day <= last:
            if starts_at <= _local_midnight(day, tz) and ends_at >= _local_midnight(
                day + timedelta(days=1), tz
            ):
                closed.add(day)
            day += timedelta(days=1)
    return closed
