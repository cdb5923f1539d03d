"""A post's closures as the rest of the domain sees them.

The appointments area owns closure records; this module is the one place others ask
"is the post closed that day?". Until closures exist it answers "never".
"""

from __future__ import annotations

from datetime import date

from services.models import Post


def full_day_closures(post: Post, start: date, end: date) -> set[date]:
    """Dates between ``start`` and ``end`` (inclusive) on which the post is closed all day."""
    return set()
