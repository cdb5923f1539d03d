"""Safety alerts: drafting, two-officer approval, updates and all-clear, withdrawal, expiry,
and the public list. The workflow follows GOV.UK Emergency Alerts.

    alert:  draft -> pending_approval -> published -> expired
                         |                 \\-> cancelled (withdrawn: leaves the list, no push)
                         \\-> rejected (terminal)       draft / pending_approval -> cancelled

Content lives in versions (``alert_version``), each with the reason it was written. Editing
a draft or a version awaiting approval writes a new draft version (the old one becomes
``edited``), so what was approved is exactly what was reviewed. Updates and the all-clear of
a published alert are new versions that are submitted and approved the same way; at most
one version is open (draft or awaiting approval) at a time.

Rules: the approver (or rejecter) must not have written or submitted any version since the
last decision, and names the version number they reviewed (an edit in between is a 409).
Officers act on alerts whose countries are all countries of their posts; admins on any.
Officers see alerts listed under at least one of their countries.

Approval publishes: the version becomes current, one push per (country, language) topic is
queued in ``alert_dispatch`` and the inbox fan-out is queued; both leave after the commit
(``services.alert_publishing``), so publishing costs the same whatever the audience.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import selectinload

from services.accounts.access import countries_in_scope, require_country_scope
from services.accounts.audit import record_audit
from services.alerts import publishing
from services.core.db import after_commit, db, transactional
from services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.models import Account, Alert, AlertCountry, AlertVersion
from services.models.alerts import OPEN_VERSION_STATES
from services.models.types import utcnow

log = logging.getLogger(__name__)

MAX_EXPIRY = timedelta(days=90)
CONTENT_FIELDS = ("level", "countries", "region", "titles", "bodies", "expires_at")
DECIDED_STATES = ("published", "superseded", "rejected", "cancelled")


# --- reading ----------------------------------------------------------------------------
def _visible(actor: Account, alert: Alert) -> bool:
    scope = countries_in_scope(actor)
    if scope is None:
        return True
    countries = set(alert.countries)
    if alert.open_version is not None:
        countries |= set(alert.open_version.countries)
    return bool(countries & scope)


def _in_country(country: str):
    return Alert.id.in_(select(AlertCountry.alert_id).where(AlertCountry.country == country))


def staff_alerts_query(
    actor: Account, *, status: str | None = None, country: str | None = None
) -> Select:
    query = select(Alert).options(selectinload(Alert.versions))
    scope = countries_in_scope(actor)
    if scope is not None:
        query = query.where(
            Alert.id.in_(
                select(AlertCountry.alert_id).where(AlertCountry.country.in_(sorted(scope)))
            )
        )
    if country:
        query = query.where(_in_country(country))
    if status:
        query = query.where(Alert.status == status)
    return query.order_by(Alert.id.desc())


def get_staff_alert(actor: Account, alert_id: int) -> Alert:
    """An alert the actor may see (others are "not found", like another post's data)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or not _visible(actor, alert):
        raise NotFound("alert_not_found")
    return alert


def is_live(alert: Alert, now: datetime | None = None) -> bool:
    """Published and not past its expiry (the expiry job may not have run yet)."""
    now = now or utcnow()
    return alert.status == "published" and alert.expires_at is not None and alert.expires_at > now


def is_active(alert: Alert, now: datetime | None = None) -> bool:
    """The danger is current: live, and its published version is not the all-clear.

    An all-clear stays live (listed, readable, pushed) until the alert expires, but it tells
    people the danger is over, so the alert stops being active the moment it is published.
    """
    version = alert.published_version
    return is_live(alert, now) and version is not None and version.kind != "all_clear"


def public_alerts_query(country: str | None = None, *, active: bool | None = None) -> Select:
    """Live alerts, newest first; expired ones leave the list at once (query-time filter).

    ``active=True`` keeps only current dangers (no all-clear), ``False`` only all-clears."""
    query = select(Alert).where(Alert.status == "published", Alert.expires_at > utcnow())
    if country:
        query = query.where(_in_country(country))
    if active is not None:
        all_clear = select(AlertVersion.id).where(
            AlertVersion.id == Alert.published_version_id, AlertVersion.kind == "all_clear"
        )
        query = query.where(~all_clear.exists() if active else all_clear.exists())
    return query.order_by(Alert.first_published_at.desc(), Alert.id.desc())


def get_public_alert(alert_id: int) -> Alert:
    """A published alert, live or expired (an old inbox item still opens); never drafts."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.published_version_id is None or alert.status == "cancelled":
        raise NotFound("alert_not_found")
    return alert


# --- helpers for the workflow -----------------------------------------------------------
def _lock(actor: Account, alert_id: int) -> Alert:
    alert = db.session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update(of=Alert))
    if alert is None or not _visible(actor, alert):
        raise NotFound("alert_not_found")
    return alert


def _open_version(alert: Alert) -> AlertVersion | None:
    return db.session.scalar(
        select(AlertVersion).where(
            AlertVersion.alert_id == alert.id, AlertVersion.status.in_(OPEN_VERSION_STATES)
        )
    )


def _check_expiry(expires_at: datetime) -> None:
    now = utcnow()
    if not now < expires_at <= now + MAX_EXPIRY:
        raise InvalidInput("alert_expiry_invalid", max_days=MAX_EXPIRY.days)


def _set_countries(alert: Alert, countries: list[str]) -> None:
    db.session.execute(delete(AlertCountry).where(AlertCountry.alert_id == alert.id))
    db.session.add_all(AlertCountry(alert_id=alert.id, country=c) for c in countries)


def _new_version(
    alert: Alert, actor: Account, kind: str, reason: str, content: dict[str, Any]
) -> AlertVersion:
    number = db.session.scalar(
        select(func.coalesce(func.max(AlertVersion.number), 0)).where(
            AlertVersion.alert_id == alert.id
        )
    )
    version = AlertVersion(
        alert_id=alert.id,
        number=number + 1,
        kind=kind,
        status="draft",
        reason=reason,
        created_by=actor.id,
        **content,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _content(base: AlertVersion | None, changes: dict[str, Any]) -> dict[str, Any]:
    content = {name: getattr(base, name) for name in CONTENT_FIELDS} if base else {}
    for name in CONTENT_FIELDS:
        if name in changes:
            content[name] = changes[name]
    content["countries"] = sorted(set(content["countries"]))
    if "expires_at" in changes:
        _check_expiry(changes["expires_at"])
    return content


def _authors(alert: Alert, version: AlertVersion) -> set[int]:
    """Who wrote or submitted the versions leading to ``version`` since the last decision."""
    last_decided = db.session.scalar(
        select(func.coalesce(func.max(AlertVersion.number), 0)).where(
            AlertVersion.alert_id == alert.id, AlertVersion.status.in_(DECIDED_STATES)
        )
    )
    rows = db.session.execute(
        select(AlertVersion.created_by, AlertVersion.submitted_by).where(
            AlertVersion.alert_id == alert.id,
            AlertVersion.number > last_decided,
            AlertVersion.number <= version.number,
        )
    ).all()
    return {person for row in rows for person in row if person is not None}


def _move(version: AlertVersion, expected: str, **values: Any) -> None:
    """Change a version's state only if nobody else did first (a lost race is a 409)."""
    result = db.session.execute(
        update(AlertVersion)
        .where(AlertVersion.id == version.id, AlertVersion.status == expected)
        .values(**values)
    )
    if result.rowcount != 1:
        raise Conflict("alert_version_changed", version=version.number)
    for name, value in values.items():
        setattr(version, name, value)


def _reviewable(actor: Account, alert: Alert, number: int) -> AlertVersion:
    version = _open_version(alert)
    if version is None or version.status != "pending_approval":
        raise Conflict("alert_not_pending")
    if version.number != number:
        raise Conflict("alert_version_changed", version=version.number)
    require_country_scope(actor, set(version.countries) | set(alert.countries))
    if actor.id in _authors(alert, version):
        raise Forbidden("approver_is_author")
    return version


def _refresh(alert: Alert) -> Alert:
    db.session.flush()
    db.session.expire(alert, ["versions", "country_rows", "published_version"])
    return alert


def _audit(actor: Account, action: str, alert: Alert, version: AlertVersion | None, **extra):
    details = {"countries": alert.countries, **extra}
    if version is not None:
        details.update(version=version.number, kind=version.kind, level=version.level)
    record_audit(actor, action, "alert", alert.id, details=details)


# --- the workflow -----------------------------------------------------------------------
@transactional
def create_alert(actor: Account, data: dict[str, Any]) -> Alert:
    content = _content(None, data)
    require_country_scope(actor, content["countries"])
    _check_expiry(content["expires_at"])
    alert = Alert(status="draft", created_by=actor.id)
    db.session.add(alert)
    db.session.flush()
    version = _new_version(alert, actor, "initial", data.get("reason") or "first draft", content)
    _set_countries(alert, content["countries"])
    _refresh(alert)
    _audit(actor, "alert.create", alert, version)
    return alert


@transactional
def edit_alert(actor: Account, alert_id: int, changes: dict[str, Any]) -> Alert:
    """Edit the open version: a new draft version with the reason; the old one is kept."""
    alert = _lock(actor, alert_id)
    current = _open_version(alert)
    if current is None:
        raise Conflict("alert_not_editable")
    content = _content(current, changes)
    require_country_scope(actor, set(current.countries) | set(content["countries"]))
    _move(current, current.status, status="edited")
    db.session.flush()  # one open version per alert (a partial unique index)
    version = _new_version(alert, actor, current.kind, changes["reason"], content)
    if alert.published_version_id is None:
        alert.status = "draft"
        _set_countries(alert, content["countries"])
    _refresh(alert)
    _audit(actor, "alert.edit", alert, version, reason=changes["reason"])
    return alert


@transactional
def draft_new_version(actor: Account, alert_id: int, data: dict[str, Any]) -> Alert:
    """An update or the all-clear of a published alert, as a draft to submit and approve."""
    alert = _lock(actor, alert_id)
    if not is_live(alert):
        raise Conflict("alert_closed")
    if _open_version(alert) is not None:
        raise Conflict("alert_has_open_version")
    base = db.session.get(AlertVersion, alert.published_version_id)
    content = _content(base, data)
    require_country_scope(actor, set(base.countries) | set(content["countries"]))
    version = _new_version(alert, actor, data["kind"], data["reason"], content)
    _refresh(alert)
    _audit(actor, f"alert.{data['kind']}", alert, version, reason=data["reason"])
    return alert


@transactional
def submit_alert(actor: Account, alert_id: int) -> Alert:
    alert = _lock(actor, alert_id)
    version = _open_version(alert)
    if version is None or version.status != "draft":
        raise Conflict("alert_not_draft")
    require_country_scope(actor, version.countries)
    if version.expires_at <= utcnow():
        raise Conflict("alert_expiry_passed")
    _move(version, "draft", status="pending_approval", submitted_by=actor.id, submitted_at=utcnow())
    if alert.published_version_id is None:
        alert.status = "pending_approval"
    _refresh(alert)
    _audit(actor, "alert.submit", alert, version)
    return alert


@transactional
def approve_alert(actor: Account, alert_id: int, number: int, note: str | None = None) -> Alert:
    """Publish the version awaiting approval; pushes and inbox items leave after commit."""
    alert = _lock(actor, alert_id)
    version = _reviewable(actor, alert, number)
    now = utcnow()
    if alert.published_version_id is not None and not is_live(alert, now):
        raise Conflict("alert_closed")
    if version.expires_at <= now:
        raise Conflict("alert_expiry_passed")
    _move(
        version,
        "pending_approval",
        status="published",
        decided_by=actor.id,
        decided_at=now,
        decision_reason=note,
        published_at=now,
    )
    if alert.published_version_id is not None:
        db.session.execute(
            update(AlertVersion)
            .where(AlertVersion.id == alert.published_version_id)
            .values(status="superseded")
        )
    alert.published_version_id = version.id
    alert.status = "published"
    alert.expires_at = version.expires_at
    alert.first_published_at = alert.first_published_at or now
    _set_countries(alert, version.countries)
    publishing.plan_dispatches(version)
    _refresh(alert)
    _audit(actor, "alert.approve", alert, version)
    version_id = version.id
    after_commit(lambda: publishing.schedule_publication(version_id))
    return alert


@transactional
def reject_alert(actor: Account, alert_id: int, number: int, reason: str) -> Alert:
    alert = _lock(actor, alert_id)
    version = _reviewable(actor, alert, number)
    _move(
        version,
        "pending_approval",
        status="rejected",
        decided_by=actor.id,
        decided_at=utcnow(),
        decision_reason=reason,
    )
    if alert.published_version_id is None:
        alert.status = "rejected"
    _refresh(alert)
    _audit(actor, "alert.reject", alert, version, reason=reason)
    return alert


@transactional
def cancel_alert(actor: Account, alert_id: int, reason: str, number: int | None = None) -> Alert:
    """Withdraw the open version ``number`` only, or (without it) the whole alert.

    A withdrawn published alert leaves the public list and nothing more is pushed for it;
    taking information down needs no second officer (it is audited, with the reason).
    """
    alert = _lock(actor, alert_id)
    version = _open_version(alert)
    countries = set(alert.countries) | set(version.countries if version else ())
    require_country_scope(actor, countries)
    now = utcnow()
    if number is not None:
        if version is None:
            raise Conflict("alert_not_editable")
        if version.number != number:
            raise Conflict("alert_version_changed", version=version.number)
    elif alert.status in ("rejected", "cancelled", "expired"):
        raise Conflict("alert_closed")
    if version is not None:
        _move(
            version,
            version.status,
            status="cancelled",
            decided_by=actor.id,
            decided_at=now,
            decision_reason=reason,
        )
    if number is None or alert.published_version_id is None:
        alert.status = "cancelled"
        alert.cancelled_by, alert.cancelled_at, alert.cancel_reason = actor.id, now, reason
    _refresh(alert)
    _audit(actor, "alert.cancel", alert, version, reason=reason, whole=number is None)
    return alert


# --- expiry -----------------------------------------------------------------------------
@transactional
def expire_alerts(now: datetime | None = None) -> int:
    """Mark published alerts past their expiry ``expired`` and close their open versions.

    The public list already hides them at query time; this keeps statuses honest."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            select(Alert.id).where(Alert.status == "published", Alert.expires_at <= now)
        )
    )
    if not expired:
        return 0
    db.session.execute(
        update(Alert).where(Alert.id.in_(expired)).values(status="expired", updated_at=now)
    )
    db.session.execute(
        update(AlertVersion)
        .where(AlertVersion.alert_id.in_(expired), AlertVersion.status.in_(OPEN_VERSION_STATES))
        .values(status="cancelled", decided_at=now, decision_reason="the alert expired")
    )
    log.info("expired %d alerts", len(expired))
    return len(expired)
