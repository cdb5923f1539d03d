"""Trips travellers register and countries they follow: who is where, for safety alerts.

A trip is *active* on the UTC calendar days from its start date to its end date, both
included: from 00:00 UTC on the start date to 24:00 UTC on the end date. (UTC keeps one
rule for everyone; a traveller whose local day starts earlier is covered by registering
the day before.) A followed country counts every day. "Registered in a country" means an
active trip there or a follow of it: that decides topic subscriptions, inbox items for
alerts and who may answer an emergency check-in.

Every read and write is scoped to the owner: another account's trip is "not found". After
each change the account's topic subscriptions are re-synced once the change commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select, union

from services.accounts.accounts import normalise_phone
from services.alerts.resync import schedule_sync
from services.core.clock import today_utc
from services.core.db import db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.models import Account, CountryFollow, Trip

MAX_TRIP_DAYS = 366
MAX_OPEN_TRIPS = 20  # trips not yet over, per account
MAX_FOLLOWS = 20
TRIP_FIELDS = ("country", "city", "start_date", "end_date", "contact_name", "contact_phone")


def trip_is_active(trip: Trip, on: date | None = None) -> bool:
    on = on or today_utc()
    return trip.start_date <= on <= trip.end_date


def active_trip_clause(on: date):
    return and_(Trip.start_date <= on, Trip.end_date >= on)


# --- trips ------------------------------------------------------------------------------
def trips_query(account: Account) -> Select:
    return (
        select(Trip)
        .where(Trip.account_id == account.id)
        .order_by(Trip.start_date.desc(), Trip.id.desc())
    )


def get_trip(account: Account, trip_id: int) -> Trip:
    trip = db.session.get(Trip, trip_id)
    if trip is None or trip.account_id != account.id:
        raise NotFound("trip_not_found")
    return trip


def _check_dates(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("trip_dates_invalid")
    if end < today_utc():
        raise InvalidInput("trip_in_past")
    if end - start > timedelta(days=MAX_TRIP_DAYS):
        raise InvalidInput("trip_too_long", max_days=MAX_TRIP_DAYS)


def _apply(trip: Trip, data: dict[str, Any]) -> None:
    for field in TRIP_FIELDS:
        if field in data:
            value = data[field]
            if field == "contact_phone":
                value = normalise_phone(value)
            setattr(trip, field, value)


@transactional
def create_trip(account: Account, data: dict[str, Any]) -> Trip:
    _check_dates(data["start_date"], data["end_date"])
    open_trips = db.session.scalar(
        select(func.count())
        .select_from(Trip)
        .where(Trip.account_id == account.id, Trip.end_date >= today_utc())
    )
    if open_trips >= MAX_OPEN_TRIPS:
        raise Conflict("too_many_trips", max_trips=MAX_OPEN_TRIPS)
    trip = Trip(account_id=account.id)
    _apply(trip, data)
    db.session.add(trip)
    db.session.flush()
    schedule_sync(account.id)
    return trip


@transactional
def update_trip(account: Account, trip_id: int, changes: dict[str, Any]) -> Trip:
    trip = get_trip(account, trip_id)
    if "start_date" in changes or "end_date" in changes:
        _check_dates(
            changes.get("start_date", trip.start_date), changes.get("end_date", trip.end_date)
        )
    _apply(trip, changes)
    db.session.flush()
    schedule_sync(account.id)
    return trip


@transactional
def delete_trip(account: Account, trip_id: int) -> None:
    db.session.delete(get_trip(account, trip_id))
    schedule_sync(account.id)


# --- follows ----------------------------------------------------------------------------
def follows_query(account: Account) -> Select:
    return (
        select(CountryFollow)
        .where(CountryFollow.account_id == account.id)
        .order_by(CountryFollow.country)
    )


@transactional
def follow_country(account: Account, country: str) -> CountryFollow:
    existing = db.session.scalars(
        select(CountryFollow.country).where(CountryFollow.account_id == account.id)
    ).all()
    if country in existing:
        raise Conflict("follow_exists")
    if len(existing) >= MAX_FOLLOWS:
        raise Conflict("too_many_follows", max_follows=MAX_FOLLOWS)
    follow = CountryFollow(account_id=account.id, country=country)
    db.session.add(follow)
    db.session.flush()
    schedule_sync(account.id)
    return follow


@transactional
def unfollow_country(account: Account, country: str) -> None:
    follow = db.session.scalar(
        select(CountryFollow).where(
            CountryFollow.account_id == account.id, CountryFollow.country == country.upper()
        )
    )
    if follow is None:
        raise NotFound("follow_not_found")
    db.session.delete(follow)
    schedule_sync(account.id)


# --- who is registered where --------------------------------------------------------------
def countries_by_account(account_ids: list[int], on: date) -> dict[int, set[str]]:
    """For each account, the countries it is registered in on ``on`` (trips and follows)."""
    result: dict[int, set[str]] = {account_id: set() for account_id in account_ids}
    if not account_ids:
        return result
    trips = select(Trip.account_id, Trip.country).where(
        Trip.account_id.in_(account_ids), active_trip_clause(on)
    )
    follows = select(CountryFollow.account_id, CountryFollow.country).where(
        CountryFollow.account_id.in_(account_ids)
    )
    for account_id, country in db.session.execute(union(trips, follows)):
        result[account_id].add(country)
    return result


def registered_account_ids(countries: list[str], on: date, *, after: int, limit: int) -> list[int]:
    """Accounts registered in any of ``countries`` on ``on``, by id, after ``after`` (keyset)."""
    trips = select(Trip.account_id.label("account_id")).where(
        Trip.country.in_(countries), active_trip_clause(on), Trip.account_id > after
    )
    follows = select(CountryFollow.account_id.label("account_id")).where(
        CountryFollow.country.in_(countries), CountryFollow.account_id > after
    )
    registered = union(trips, follows).subquery()
    return list(
        db.session.scalars(
            select(registered.c.account_id).order_by(registered.c.account_id).limit(limit)
        )
    )


def registered_countries(account_id: int, countries: list[str], on: date) -> list[str]:
    """Which of ``countries`` the account is registered in: trip countries first."""
    by_trip = set(
        db.session.scalars(
            select(Trip.country).where(
                Trip.account_id == account_id, Trip.country.in_(countries), active_trip_clause(on)
            )
        )
    )
    by_follow = set(
        db.session.scalars(
            select(CountryFollow.country).where(
                CountryFollow.account_id == account_id, CountryFollow.country.in_(countries)
            )
        )
    )
    return sorted(by_trip) + sorted(by_follow - by_trip)
