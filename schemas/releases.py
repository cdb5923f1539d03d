"""Schemas for release windows, requests, the waitlist and its offers.

Times are ISO 8601 in the post's local time with its UTC offset; days are the post's local
days; a preference's band is wall-clock start times at the post, [from, until).
"""

from __future__ import annotations

from datetime import date, datetime

import marshmallow as ma

from schemas.common import Base
from schemas.payments import MAX_ID
from services.core import clock
from services.core.local_time import zone
from services.releases import windows
from services.releases.lottery import MAX_PREFERENCES

_EARLIEST, _LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _sane_day(value: date) -> None:
    if not _EARLIEST <= value <= _LATEST:
        raise ma.ValidationError("Must be a day between 2000 and 2100.")


def _sane_instant(value: datetime) -> None:
    _sane_day(value.date())


class PreferenceSchema(Base):
    day = ma.fields.Date(required=True, validate=_sane_day, metadata={"example": "2027-03-01"})
    from_ = ma.fields.Time(
        data_key="from",
        attribute="from",
        metadata={"description": "Earliest start time at the post (optional)", "example": "08:00"},
    )
    until = ma.fields.Time(
        metadata={"description": "Start times before this (optional; needs from)"}
    )


_PREFERENCES = ma.fields.List(
    ma.fields.Nested(PreferenceSchema),
    required=True,
    validate=ma.validate.Length(min=1, max=3),
    metadata={"description": "One to three, best first"},
)


class ReleaseCreateSchema(Base):
    service = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    first_day = ma.fields.Date(required=True, validate=_sane_day)
    last_day = ma.fields.Date(required=True, validate=_sane_day)
    opens_at = ma.fields.AwareDateTime(required=True, validate=_sane_instant)
    closes_at = ma.fields.AwareDateTime(
        required=True,
        validate=_sane_instant,
        metadata={"description": "Before the first released day starts at the post"},
    )
    max_per_account = ma.fields.Integer(
        load_default=2,
        validate=ma.validate.Range(min=1, max=10),
        metadata={"description": "Live requests one account may hold in this release"},
    )


def _local(attribute: str):
    def read(release):
        return getattr(release, attribute).astimezone(zone(release.post.time_zone)).isoformat()

    return read


class _Counted:
    """A release as the schema reads it, with its two counts computed once."""

    def __init__(self, release, requests: int, seats: int) -> None:
        self._release, self.requests, self.seats = release, requests, seats

    def __getattr__(self, name: str):
        return getattr(self._release, name)


class ReleaseSchema(Base):
    """Read from a Release row; counts and status are computed at read time."""

    id = ma.fields.Function(
        lambda release: release.public_id, metadata={"description": "The release's public id"}
    )
    post = ma.fields.Function(lambda release: release.post.code)
    service = ma.fields.Function(lambda release: release.service_type.code)
    time_zone = ma.fields.Function(lambda release: release.post.time_zone)
    first_day = ma.fields.Date()
    last_day = ma.fields.Date()
    opens_at = ma.fields.Function(_local("opens_at"), metadata={"format": "date-time"})
    closes_at = ma.fields.Function(_local("closes_at"), metadata={"format": "date-time"})
    max_per_account = ma.fields.Integer()
    max_preferences = ma.fields.Function(lambda release: MAX_PREFERENCES)
    status = ma.fields.Function(
        lambda release: windows.phase(release, clock.now()),
        metadata={"description": "upcoming, open, closed, drawn, allocated or cancelled"},
    )
    commitment = ma.fields.String(
        metadata={"description": "SHA-256 (hex) of the secret seed, public before the window"}
    )
    seed = ma.fields.String(
        allow_none=True, metadata={"description": "The seed (hex), revealed at the draw"}
    )
    requests = ma.fields.Integer(dump_only=True, metadata={"description": "Live requests"})
    seats = ma.fields.Integer(
        dump_only=True, metadata={"description": "Seats the lottery gives out"}
    )

    @ma.pre_dump
    def _with_counts(self, release, **kwargs):
        # Both counts from one statement per release (a list shows them for each).
        return _Counted(release, *windows.counts(release))


class ReleaseCheckSchema(Base):
    id = ma.fields.String()
    ok = ma.fields.Boolean()
    seed_matches_commitment = ma.fields.Boolean()
    requests = ma.fields.Integer()
    assigned = ma.fields.Integer()
    waitlisted = ma.fields.Integer()
    differences = ma.fields.List(ma.fields.String())


class PublicationSchema(Base):
    """The published record (scheme palm-lottery-1); see services/releases/publication.py."""

    class Meta:
        unknown = ma.INCLUDE

    scheme = ma.fields.String()
    seed = ma.fields.String()
    commitment = ma.fields.String()
    requests = ma.fields.List(ma.fields.Dict())
    slots = ma.fields.List(ma.fields.Dict())
    result = ma.fields.Dict()


class ReleaseRequestCreateSchema(Base):
    applicant_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    preferences = _PREFERENCES


class ReleaseRequestUpdateSchema(Base):
    preferences = _PREFERENCES


class ReleaseRequestQueryArgsSchema(Base):
    release = ma.fields.String(validate=ma.validate.Length(max=16))


class _StoredPreferenceSchema(Base):
    day = ma.fields.String()
    from_ = ma.fields.String(data_key="from", attribute="from")
    until = ma.fields.String()


def _release_id(request) -> str:
    # A request's view (a dict) names its release; the list pages the rows themselves.
    return request["release"] if isinstance(request, dict) else request.release.public_id


class ReleaseRequestSchema(Base):
    id = ma.fields.Integer()
    public_id = ma.fields.String(metadata={"description": "The id the draw uses, public"})
    release = ma.fields.Function(
        _release_id, metadata={"type": "string", "description": "The release's public id"}
    )
    applicant_id = ma.fields.Integer()
    preferences = ma.fields.List(ma.fields.Nested(_StoredPreferenceSchema))
    status = ma.fields.String(metadata={"description": "live or withdrawn"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    place = ma.fields.Integer(allow_none=True, metadata={"description": "Place in the draw"})
    outcome = ma.fields.String(
        allow_none=True, metadata={"description": "won, waitlisted or already_booked"}
    )
    won_preference = ma.fields.Integer(allow_none=True)
    appointment_id = ma.fields.Integer(allow_none=True)
    waitlist_entry_id = ma.fields.Integer(allow_none=True)


class WaitlistJoinSchema(Base):
    applicant_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    post = ma.fields.String(required=True, validate=ma.validate.Length(max=16))
    service = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    preferences = _PREFERENCES


class WaitlistEntrySchema(Base):
    id = ma.fields.Integer()
    applicant_id = ma.fields.Integer()
    post = ma.fields.Function(lambda entry: entry.post.code)
    service = ma.fields.Function(lambda entry: entry.service_type.code)
    release = ma.fields.Function(
        lambda entry: entry.release.public_id if entry.release_id else None, allow_none=True
    )
    status = ma.fields.String(
        metadata={"description": "waiting, offered, booked, left, declined or expired"}
    )
    preferences = ma.fields.Function(
        lambda entry: [
            {
                "day": p.day.isoformat(),
                **({"from": p.band_from.isoformat("minutes")} if p.band_from else {}),
                **({"until": p.band_until.isoformat("minutes")} if p.band_until else {}),
            }
            for p in entry.preferences
        ]
    )
    created_at = ma.fields.DateTime()


class WaitlistOfferSchema(Base):
    id = ma.fields.Integer()
    waitlist_entry_id = ma.fields.Integer()
    applicant_id = ma.fields.Integer()
    post = ma.fields.String()
    service = ma.fields.String()
    slot_id = ma.fields.Integer()
    start = ma.fields.DateTime()
    end = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "open, accepted, declined or expired"})
    expires_at = ma.fields.DateTime()
    appointment_id = ma.fields.Integer(allow_none=True)
