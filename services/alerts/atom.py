"""The Atom feed of current safety alerts (per country, or all), the way CAP aggregators
poll: one entry per live alert, for its current published version, linking that version's
CAP message (``rel="alternate"``, ``type="application/cap+xml"``), as the WMO and national
CAP feeds do, with the message's expiry as a ``cap:expires`` extension element.

An entry's id is the URL of its CAP message, so an update is a new entry (it is a new
message) and the entry's ``updated`` is the version's publication time. The feed's
``updated`` is the newest entry's, or a time the caller gives for an empty feed, so the
same alerts always give the same bytes: the ETag is a digest of the body, and a poller
that sends ``If-None-Match`` gets a 304 until an alert is published, updated, withdrawn or
expires.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.alerts.cap import (
    CAP_MEDIA_TYPE,
    CAP_NS,
    PublishedVersion,
    cap_time,
    serialize,
    xml_text,
)
from services.core.languages import pick_translation

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LEVEL_SCHEME = "urn:palm:alert-level"
COUNTRY_SCHEME = "urn:iso:std:iso:3166:-1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    """One live alert's current CAP message, in the feed's language."""

    cap_url: str
    title: str
    summary: str
    updated: datetime  # when this version was published
    published: datetime  # when the alert was first published
    level: str
    countries: tuple[str, ...]
    expires: datetime
    page_url: str | None = None  # the human page of the alert, if there is one


@dataclass(frozen=True)
class Feed:
    self_url: str  # the URL this feed is served at; also its id
    title: str
    author: str
    language: str = "en"
    updated_when_empty: datetime = EPOCH


def feed_entry(
    version: PublishedVersion,
    *,
    first_published_at: datetime,
    cap_url: str,
    language: str = "en",
    page_url: str | None = None,
) -> FeedEntry:
    """The entry of a live alert's current version, its text in ``language`` (English when
    the alert has none in it, as the public list does)."""
    if version.published_at is None:
        raise ValueError("only a published version goes in the feed")
    return FeedEntry(
        cap_url=cap_url,
        title=pick_translation(version.titles, language) or "",
        summary=pick_translation(version.bodies, language) or "",
        updated=version.published_at,
        published=first_published_at,
        level=version.level,
        countries=tuple(version.countries),
        expires=version.expires_at,
        page_url=page_url,
    )


def atom_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("feed times need a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str):
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = xml_text(text)
    return child


def _entry(feed_element: ET.Element, entry: FeedEntry, author: str) -> None:
    element = _add(feed_element, "entry")
    _add(element, "id", entry.cap_url)
    _add(element, "title", entry.title)
    _add(element, "updated", atom_time(entry.updated))
    _add(element, "published", atom_time(entry.published))
    _add(_add(element, "author"), "name", author)
    _add(element, "summary", entry.summary)
    _add(element, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=entry.cap_url)
    if entry.page_url:
        _add(element, "link", rel="related", type="text/html", href=entry.page_url)
    _add(element, "category", scheme=LEVEL_SCHEME, term=entry.level)
    for country in entry.countries:
        _add(element, "category", scheme=COUNTRY_SCHEME, term=country)
    # An Atom extension element, as national CAP feeds carry it: a poller can drop the
    # entry at expiry without fetching the message.
    ET.SubElement(element, "cap:expires").text = cap_time(entry.expires)


def render_atom(feed: Feed, entries: Sequence[FeedEntry]) -> bytes:
    """The feed as UTF-8 XML, newest entry first."""
    ordered = sorted(entries, key=lambda e: (e.updated, e.cap_url), reverse=True)
    # Atom as the default namespace and the CAP extension under "cap", declared on the root
    # (the standard library's writer cannot put a default namespace over unprefixed
    # attributes, so the names are written as they appear).
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xmlns:cap": CAP_NS})
    root.set(XML_LANG, feed.language)
    _add(root, "id", feed.self_url)
    _add(root, "title", feed.title)
    updated = ordered[0].updated if ordered else feed.updated_when_empty
    _add(root, "updated", atom_time(updated))
    _add(_add(root, "author"), "name", feed.author)
    _add(root, "link", rel="self", type=ATOM_MEDIA_TYPE, href=feed.self_url)
    for entry in ordered:
        _entry(root, entry, feed.author)
    ET.indent(root)
    return serialize(root)


def etag_for(body: bytes) -> str:
    """A strong ETag value (unquoted, for ``Response.set_etag``) for a rendered body."""
    return hashlib.sha256(body).hexdigest()[:32]
