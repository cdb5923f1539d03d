"""Published alerts as CAP 1.2 messages and Atom feeds, read from the database.

The formats themselves are in ``cap`` and ``atom`` (pure code); this module picks what is
public: a CAP message exists for every published version (current or superseded, also once
expired, as the JSON answer does) and, for an alert withdrawn after publication, its Cancel.
A withdrawn alert's versions are no longer served, as its JSON is not: the Cancel names
them. The feed lists the current version of each live alert (published, not expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.alerts.alerts import public_alerts_query
from services.alerts.atom import Feed, etag_for, feed_entry, render_atom
from services.alerts.cap import CapSource, cancel_message, render_cap, version_message
from services.alerts.texts import FEED_TITLE
from services.core.db import db
from services.core.errors import NotFound
from services.core.i18n import in_language
from services.core.languages import pick_translation
from services.models import Alert, AlertVersion

NOT_FOUND = "alert_not_found"
FEED_PATH = "/api/v1/alerts/feed.atom"


@dataclass(frozen=True)
class Document:
    """A rendered XML document and its strong ETag."""

    body: bytes
    etag: str


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def cap_source() -> CapSource:
    """Who we are in CAP, from configuration (defaults from ``PUBLIC_BASE_URL``'s host)."""
    config = current_app.config
    host = urlsplit(_base_url()).netloc or "localhost"
    return CapSource(
        sender=config.get("CAP_SENDER") or f"consular-alerts@{host}",
        identifier_prefix=config.get("CAP_IDENTIFIER_PREFIX") or host,
        sender_names=dict(config.get("CAP_SENDER_NAMES") or {}),
        status=config.get("CAP_STATUS") or "Actual",
        contact=config.get("CAP_CONTACT"),
    )


def cap_url(alert_id: int, number: int) -> str:
    return f"{_base_url()}/api/v1/alerts/{alert_id}/versions/{number}/cap.xml"


def _published_versions(alert_id: int) -> tuple[Alert, list[AlertVersion]]:
    alert = db.session.scalar(
        select(Alert).where(Alert.id == alert_id).options(selectinload(Alert.versions))
    )
    if alert is None:
        raise NotFound(NOT_FOUND)
    return alert, [v for v in alert.versions if v.published_at is not None]


def _document(body: bytes) -> Document:
    return Document(body=body, etag=etag_for(body))


def version_cap(alert_id: int, number: int) -> Document:
    """The CAP message of a published version of an alert that was not withdrawn."""
    alert, published = _published_versions(alert_id)
    version = next((v for v in published if v.number == number), None)
    if version is None or alert.status == "cancelled":
        raise NotFound(NOT_FOUND)
    return _document(render_cap(version_message(cap_source(), alert.id, version, published)))


def cancel_cap(alert_id: int) -> Document:
    """The CAP Cancel of an alert withdrawn after it was published."""
    alert, published = _published_versions(alert_id)
    if alert.status != "cancelled" or not published or alert.cancelled_at is None:
        raise NotFound(NOT_FOUND)
    return _document(
        render_cap(cancel_message(cap_source(), alert.id, alert.cancelled_at, published))
    )


def atom_feed(country: str | None, language: str) -> Document:
    """The feed of live alerts (all, or one country's), in ``language`` where the alerts
    have it (English otherwise)."""
    query = {"country": country} if country else {}
    self_url = _base_url() + FEED_PATH + (f"?{urlencode(query)}" if query else "")
    with in_language(language):
        title = FEED_TITLE.render()
    if country:
        title = f"{title}: {country}"
    source = cap_source()
    author = pick_translation(source.sender_names, language) or source.sender
    alerts = db.session.scalars(public_alerts_query(country)).all()
    entries = [
        feed_entry(
            alert.published_version,
            first_published_at=alert.first_published_at or alert.published_version.published_at,
            cap_url=cap_url(alert.id, alert.published_version.number),
            language=language,
        )
        for alert in alerts
        if alert.published_version is not None
    ]
    feed = Feed(self_url=self_url, title=title, author=author, language=language)
    return _document(render_atom(feed, entries))
