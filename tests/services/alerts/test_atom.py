"""The Atom feed of current alerts, read back by feedparser (what many pollers use), and
its ETag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from services.alerts.atom import (
    Feed,
    FeedEntry,
    etag_for,
    feed_entry,
    render_atom,
)
from services.alerts.cap import render_cap, version_message
from tests.services.alerts.cap_support import SOURCE, Version, assert_valid_cap

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
FEED = Feed(
    self_url="https://mfa.example/api/v1/alerts/feed.atom?country=FR",
    title="Travel safety alerts: France",
    author="Ministry of Foreign Affairs",
)


def cap_url(alert_id: int, number: int) -> str:
    return f"https://mfa.example/api/v1/alerts/{alert_id}/versions/{number}/cap.xml"


def live_versions():
    paris = Version(
        number=3,
        kind="update",
        level="warning",
        countries=["FR"],
        region="Paris",
        titles={"en": "Protests in Paris", "vi": "Biểu tình ở Paris"},
        bodies={"en": "Avoid the centre.", "vi": "Tránh trung tâm."},
        expires_at=T0 + timedelta(days=2),
        published_at=T0 + timedelta(hours=5),
    )
    alps = Version(
        number=1,
        kind="initial",
        level="caution",
        countries=["FR", "CH"],
        titles={"en": "Avalanche risk <high> & rising"},
        bodies={"en": "Stay on marked slopes."},
        expires_at=T0 + timedelta(days=5),
        published_at=T0 + timedelta(hours=1),
    )
    return {11: paris, 12: alps}


def entries(language: str = "en") -> list[FeedEntry]:
    return [
        feed_entry(
            v,
            first_published_at=T0,
            cap_url=cap_url(alert_id, v.number),
            language=language,
            page_url=f"https://mfa.example/alerts/{alert_id}",
        )
        for alert_id, v in live_versions().items()
    ]


def test_the_feed_parses_and_links_each_cap_message():
    body = render_atom(FEED, entries())
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == FEED.self_url
    assert parsed.feed.title == FEED.title
    assert parsed.feed.updated_parsed[:6] == (2025, 3, 1, 15, 0, 0)  # the newest entry
    assert [e.title for e in parsed.entries] == [
        "Protests in Paris",
        "Avalanche risk <high> & rising",
    ]
    newest = parsed.entries[0]
    assert newest.id == cap_url(11, 3)
    cap_links = [link for link in newest.links if link.type == "application/cap+xml"]
    assert [(link.rel, link.href) for link in cap_links] == [("alternate", cap_url(11, 3))]
    assert {(t.scheme, t.term) for t in newest.tags} == {
        ("urn:palm:alert-level", "warning"),
        ("urn:iso:std:iso:3166:-1", "FR"),
    }
    assert newest.cap_expires == "2025-03-03T10:00:00-00:00"
    assert newest.summary == "Avoid the centre."


def test_each_linked_version_is_a_valid_cap_message():
    for alert_id, v in live_versions().items():
        assert_valid_cap(render_cap(version_message(SOURCE, alert_id, v, [v])))


def test_entries_in_another_language_fall_back_to_english():
    body = render_atom(Feed(**{**FEED.__dict__, "language": "vi"}), entries("vi"))
    parsed = feedparser.parse(body)
    assert [e.title for e in parsed.entries] == [
        "Biểu tình ở Paris",
        "Avalanche risk <high> & rising",
    ]
    assert parsed.feed.language == "vi"


def test_the_etag_changes_with_the_alerts_and_only_with_them():
    body = render_atom(FEED, entries())
    assert etag_for(render_atom(FEED, list(reversed(entries())))) == etag_for(body)
    fewer = render_atom(FEED, entries()[:1])
    assert etag_for(fewer) != etag_for(body)
    changed = entries()
    changed[1] = FeedEntry(**{**changed[1].__dict__, "summary": "Slopes closed."})
    assert etag_for(render_atom(FEED, changed)) != etag_for(body)
    # An empty feed is stable too (its updated time is the caller's, not "now").
    assert render_atom(FEED, []) == render_atom(FEED, [])
    assert feedparser.parse(render_atom(FEED, [])).entries == []


def test_naive_times_are_refused():
    naive = FeedEntry(**{**entries()[0].__dict__, "updated": datetime(2025, 1, 1)})
    with pytest.raises(ValueError, match="time zone"):
        render_atom(FEED, [naive])
