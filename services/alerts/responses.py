"""Two-way check-in on emergency alerts: "I am safe" / "I need help".

A traveller registered in one of the alert's countries (an active trip or a follow) answers
while the alert is live, is an emergency and has not been given the all-clear. One answer
per traveller and alert; sending again changes it (an upsert). A "need help" answer that
officers had marked handled opens again when the traveller sends a new one.

Only the traveller sees their answer. Officers see the answers for the countries in their
scope (an officer of a post in FR sees FR answers of a FR+DE alert, not DE ones): counts
per country and status, the list of those needing help with their contact details and
trip, and they mark each handled (audited).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select

from services.accounts.access import countries_in_scope
from services.accounts.audit import record_audit
from services.alerts.alerts import get_public_alert, get_staff_alert, is_active
from services.alerts.trips import registered_countries
from services.core.clock import today_utc
from services.core.db import db, transactional
from services.core.errors import Conflict, Forbidden, NotFound
from services.core.upsert import insert_ignoring_conflicts
from services.models import Account, Alert, AlertResponse
from services.models.types import utcnow

RESPONSE_FIELDS = ("status", "latitude", "longitude", "message")


def check_in_open(alert: Alert) -> bool:
    return is_active(alert) and alert.published_version.level == "emergency"


@transactional
def respond(account: Account, alert_id: int, data: dict[str, Any]) -> AlertResponse:
    alert = get_public_alert(alert_id)
    if not check_in_open(alert):
        raise Conflict("check_in_closed")
    registered = registered_countries(account.id, alert.countries, today_utc())
    country = data.get("country") or (registered[0] if registered else None)
    if country is None or country not in registered:
        raise Forbidden("not_registered_for_alert")
    now = utcnow()
    # A double tap must not fail: create the row if missing, then lock and fill it.
    insert_ignoring_conflicts(
        AlertResponse,
        [
            {
                "alert_id": alert.id,
                "account_id": account.id,
                "country": country,
                "status": data["status"],
                "created_at": now,
                "updated_at": now,
            }
        ],
        ("alert_id", "account_id"),
    )
    response = db.session.scalar(
        select(AlertResponse)
        .where(AlertResponse.alert_id == alert.id, AlertResponse.account_id == account.id)
        .with_for_update(of=AlertResponse)
        .execution_options(populate_existing=True)
    )
    response.country = country
    for name in RESPONSE_FIELDS:
        setattr(response, name, data.get(name))
    if response.status == "need_help":
        response.handled_at = response.handled_by = None
    response.updated_at = now
    db.session.flush()
    return response


def my_response(account: Account, alert_id: int) -> AlertResponse:
    alert = get_public_alert(alert_id)
    response = db.session.scalar(
        select(AlertResponse).where(
            AlertResponse.alert_id == alert.id, AlertResponse.account_id == account.id
        )
    )
    if response is None:
        raise NotFound("alert_response_not_found")
    return response


def _scoped(actor: Account, alert: Alert, query: Select) -> Select:
    scope = countries_in_scope(actor)
    if scope is not None:
        query = query.where(AlertResponse.country.in_(sorted(scope)))
    return query.where(AlertResponse.alert_id == alert.id)


def response_counts(actor: Account, alert_id: int) -> list[dict[str, Any]]:
    """Per country in the actor's scope: safe, need help, and need help not yet handled."""
    alert = get_staff_alert(actor, alert_id)
    need_help = AlertResponse.status == "need_help"
    query = _scoped(
        actor,
        alert,
        select(
            AlertResponse.country,
            func.sum(case((AlertResponse.status == "safe", 1), else_=0)),
            func.sum(case((need_help, 1), else_=0)),
            func.sum(case((need_help & AlertResponse.handled_at.is_(None), 1), else_=0)),
        ).group_by(AlertResponse.country),
    )
    rows = {row[0]: row[1:] for row in db.session.execute(query)}
    scope = countries_in_scope(actor)
    countries = [c for c in alert.countries if scope is None or c in scope]
    return [
        {
            "country": country,
            "safe": int(rows.get(country, (0, 0, 0))[0] or 0),
            "need_help": int(rows.get(country, (0, 0, 0))[1] or 0),
            "need_help_unhandled": int(rows.get(country, (0, 0, 0))[2] or 0),
        }
        for country in sorted(set(countries) | set(rows))
    ]


def responses_query(
    actor: Account,
    alert_id: int,
    *,
    status: str | None = None,
    country: str | None = None,
    handled: bool | None = None,
) -> Select:
    alert = get_staff_alert(actor, alert_id)
    query = _scoped(actor, alert, select(AlertResponse))
    if status:
        query = query.where(AlertResponse.status == status)
    if country:
        query = query.where(AlertResponse.country == country)
    if handled is not None:
        query = query.where(
            AlertResponse.handled_at.isnot(None) if handled else AlertResponse.handled_at.is_(None)
        )
    return query.order_by(AlertResponse.updated_at.desc(), AlertResponse.id.desc())


@transactional
def mark_handled(actor: Account, alert_id: int, response_id: int) -> AlertResponse:
    alert = get_staff_alert(actor, alert_id)
    response = db.session.get(AlertResponse, response_id)
    scope = countries_in_scope(actor)
    if (
        response is None
        or response.alert_id != alert.id
        or (scope is not None and response.country not in scope)
    ):
        raise NotFound("alert_response_not_found")
    if response.status != "need_help":
        raise Conflict("response_not_need_help")
    if response.handled_at is None:
        response.handled_at, response.handled_by = utcnow(), actor.id
        record_audit(
            actor,
            "alert_response.handled",
            "alert_response",
            response.id,
            details={"alert_id": alert.id, "country": response.country},
        )
    return response
