"""A small iCalendar (RFC 5545) writer for one event in an IANA time zone.

What it gets right: CRLF line ends, lines folded at 75 octets without splitting a UTF-8
character, TEXT escaping, DTSTAMP and UID, and a VTIMEZONE built from the zone's real
transitions (from zoneinfo) around the event, so DTSTART;TZID=... means the same instant in
every calendar. A local time that occurs twice (the hour repeated when clocks go back) and
is the second occurrence is written in UTC instead, since RFC 5545 reads an ambiguous local
time as the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_LINE_LIMIT = 75
_WINDOW = timedelta(days=400)


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    time_zone: str
    summary: str
    location: str | None = None
    description: str | None = None
    sequence: int = 0
    cancelled: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets; continuation lines start with one space."""
    if len(line.encode("utf-8")) <= _LINE_LIMIT:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, _LINE_LIMIT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, _LINE_LIMIT - 1  # the leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) at which the zone's offset changes (to the second)."""
    found = []
    cursor = start
    while cursor < end:
        following = cursor + timedelta(days=1)
        if cursor.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = cursor, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        cursor = following
    return found


def _observance(kind: str, onset_local: datetime, before: timedelta, after: timedelta, name):
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{onset_local:%Y%m%dT%H%M%S}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
        f"TZNAME:{escape_text(name or _offset(after))}",
        f"END:{kind}",
    ]


def vtimezone(name: str, around: datetime) -> list[str]:
    """A VTIMEZONE for ``name`` valid from 400 days before to 400 days after ``around``."""
    tz = ZoneInfo(name)
    start = (around - _WINDOW).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = around.astimezone(UTC) + _WINDOW
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    first = start.astimezone(tz)
    kind = "DAYLIGHT" if first.dst() else "STANDARD"
    # The observance in force when the window opens, then one per real transition.
    lines += _observance(
        kind, first.replace(tzinfo=None), first.utcoffset(), first.utcoffset(), first.tzname()
    )
    for instant in _transitions(tz, start, end):
        before = (instant - timedelta(seconds=1)).astimezone(tz)
        after = instant.astimezone(tz)
        onset = (instant + before.utcoffset()).replace(tzinfo=None)  # local time, old offset
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        lines += _observance(kind, onset, before.utcoffset(), after.utcoffset(), after.tzname())
    lines.append("END:VTIMEZONE")
    return lines


def _local_time_property(prop: str, instant: datetime, tz_name: str) -> str:
    tz = ZoneInfo(tz_name)
    local = instant.astimezone(tz)
    first = local.replace(fold=0)
    if first.astimezone(UTC) != instant.astimezone(UTC):
        return f"{prop}:{_utc_stamp(instant)}"  # second occurrence of a repeated hour
    return f"{prop};TZID={tz_name}:{local:%Y%m%dT%H%M%S}"


def render_event(event: Event, *, now: datetime, product: str) -> str:
    """The whole VCALENDAR as text with CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(event.time_zone, event.starts_at),
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc_stamp(now)}",
        f"SEQUENCE:{event.sequence}",
        _local_time_property("DTSTART", event.starts_at, event.time_zone),
        _local_time_property("DTEND", event.ends_at, event.time_zone),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines += [
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
