"""Schemas for safety alerts: officers' drafts, versions and decisions; the public list;
travellers' check-in answers and the officers' dashboard."""

from __future__ import annotations

import marshmallow as ma

from schemas.common import Base, LocalizedTextField, current_language, validate_country
from services.alerts.alerts import is_active
from services.alerts.responses import check_in_open
from services.alerts.trips import trip_is_active
from services.core.languages import DEFAULT_LANGUAGE
from services.models import ALERT_LEVELS, ALERT_STATES, RESPONSE_STATUSES

Reason = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=500))


def _countries(**kwargs):
    return ma.fields.List(
        ma.fields.String(validate=validate_country),
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "ISO 3166-1 alpha-2 codes"},
        **kwargs,
    )


# --- officers: writing --------------------------------------------------------------------
def _content_fields(required: bool) -> dict[str, ma.fields.Field]:
    return {
        "countries": _countries(required=required),
        "region": ma.fields.String(
            allow_none=True,
            validate=ma.validate.Length(max=120),
            metadata={
                "description": "City or region, shown with the alert (topics are per country)"
            },
        ),
        "level": ma.fields.String(required=required, validate=ma.validate.OneOf(ALERT_LEVELS)),
        "title": LocalizedTextField(max_length=200, required=required, attribute="titles"),
        "body": LocalizedTextField(max_length=4000, required=required, attribute="bodies"),
        "expires_at": ma.fields.AwareDateTime(
            required=required,
            metadata={"description": "With offset; in the future, at most 90 days ahead"},
        ),
    }


class AlertCreateSchema(Base.from_dict(_content_fields(True), name="_AlertContent")):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


class AlertEditSchema(Base.from_dict(_content_fields(False), name="_AlertChanges")):
    """Edit the open version: send what changes and why (every version is kept)."""

    reason = Reason


class AlertVersionCreateSchema(Base.from_dict(_content_fields(False), name="_AlertChanges")):
    """An update or the all-clear of a published alert; unsent fields keep their value."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(("update", "all_clear")))
    reason = Reason

    @ma.validates_schema
    def _all_clear_has_text(self, data, **kwargs):
        if data.get("kind") == "all_clear":
            for field, key in (("title", "titles"), ("body", "bodies")):
                if key not in data:
                    raise ma.ValidationError("The all-clear needs its own text.", field)


class AlertApproveSchema(Base):
    version = ma.fields.Integer(
        required=True, metadata={"description": "The version number you reviewed"}
    )
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


class AlertRejectSchema(Base):
    version = ma.fields.Integer(required=True)
    reason = Reason


class AlertCancelSchema(Base):
    reason = Reason
    version = ma.fields.Integer(
        load_default=None,
        metadata={
            "description": "Withdraw only this open version (a published alert stays); "
            "without it the whole alert is withdrawn"
        },
    )


class StaffAlertQueryArgsSchema(Base):
    status = ma.fields.String(validate=ma.validate.OneOf(ALERT_STATES))
    country = ma.fields.String(validate=validate_country)


# --- officers: reading --------------------------------------------------------------------
class AlertDispatchSchema(Base):
    topic = ma.fields.String()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    truncated = ma.fields.Boolean()
    last_error = ma.fields.String(allow_none=True)
    sent_at = ma.fields.DateTime(allow_none=True)


class AlertVersionSchema(Base):
    number = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String()
    level = ma.fields.String()
    countries = ma.fields.List(ma.fields.String())
    region = ma.fields.String(allow_none=True)
    title = ma.fields.Dict(attribute="titles")
    body = ma.fields.Dict(attribute="bodies")
    expires_at = ma.fields.DateTime()
    reason = ma.fields.String()
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    submitted_by = ma.fields.Integer(allow_none=True)
    submitted_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    published_at = ma.fields.DateTime(allow_none=True)


class StaffAlertSchema(Base):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(ALERT_STATES)})
    countries = ma.fields.List(ma.fields.String())
    expires_at = ma.fields.DateTime(allow_none=True)
    first_published_at = ma.fields.DateTime(allow_none=True)
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    cancelled_by = ma.fields.Integer(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    published_version = ma.fields.Nested(AlertVersionSchema, allow_none=True)
    open_version = ma.fields.Nested(AlertVersionSchema, allow_none=True)


class StaffAlertDetailSchema(StaffAlertSchema):
    versions = ma.fields.List(ma.fields.Nested(AlertVersionSchema))
    dispatches = ma.fields.Method(
        "_dispatches",
        metadata={"description": "Topic pushes of the published version"},
    )

    def _dispatches(self, alert) -> list:
        version = alert.published_version
        return AlertDispatchSchema(many=True).dump(version.dispatches if version else [])


# --- the public list ----------------------------------------------------------------------
def _pick(texts: dict[str, str]) -> tuple[str, str]:
    language = current_language()
    if language in texts:
        return language, texts[language]
    return DEFAULT_LANGUAGE, texts[DEFAULT_LANGUAGE]


class PublicAlertSchema(Base):
    id = ma.fields.Integer()
    level = ma.fields.String(attribute="published_version.level")
    kind = ma.fields.String(
        attribute="published_version.kind",
        metadata={"enum": ["initial", "update", "all_clear"]},
    )
    version = ma.fields.Integer(attribute="published_version.number")
    countries = ma.fields.List(ma.fields.String())
    region = ma.fields.String(attribute="published_version.region", allow_none=True)
    language = ma.fields.Method(
        "_language", metadata={"description": "Language of title and body (English fallback)"}
    )
    title = ma.fields.Method("_title")
    body = ma.fields.Method("_body")
    first_published_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime(attribute="published_version.published_at")
    expires_at = ma.fields.DateTime()
    active = ma.fields.Method(
        "_active",
        metadata={
            "type": "boolean",
            "description": "The danger is current: false from the moment the all-clear is "
            "published (the alert stays listed until it expires) and once it has expired",
        },
    )
    check_in = ma.fields.Method(
        "_check_in", metadata={"description": "Travellers may answer safe / need help"}
    )

    def _language(self, alert) -> str:
        return _pick(alert.published_version.titles)[0]

    def _title(self, alert) -> str:
        return _pick(alert.published_version.titles)[1]

    def _body(self, alert) -> str:
        return _pick(alert.published_version.bodies)[1]

    def _active(self, alert) -> bool:
        return is_active(alert)

    def _check_in(self, alert) -> bool:
        return check_in_open(alert)


class PublicAlertQueryArgsSchema(Base):
    country = ma.fields.String(validate=validate_country)
    active = ma.fields.Boolean(
        metadata={
            "description": "true: current dangers only; false: all-clears only (default: both)"
        }
    )


# --- check-in -----------------------------------------------------------------------------
class AlertResponseCreateSchema(Base):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(RESPONSE_STATUSES))
    country = ma.fields.String(
        load_default=None,
        validate=validate_country,
        metadata={"description": "Where you are, if the alert covers several countries"},
    )
    latitude = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(-90, 90)
    )
    longitude = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(-180, 180)
    )
    message = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=1000)
    )

    @ma.validates_schema
    def _both_coordinates(self, data, **kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ma.ValidationError("Give latitude and longitude together.", "longitude")


class AlertResponseSchema(Base):
    id = ma.fields.Integer()
    alert_id = ma.fields.Integer()
    country = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(RESPONSE_STATUSES)})
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    message = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    handled = ma.fields.Method("_handled")

    def _handled(self, response) -> bool:
        return response.handled_at is not None


class TravellerSchema(Base):
    account_id = ma.fields.Integer(attribute="id")
    display_name = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    language = ma.fields.String()


class TripContactSchema(Base):
    city = ma.fields.String(allow_none=True)
    start_date = ma.fields.Date()
    end_date = ma.fields.Date()
    emergency_contact_name = ma.fields.String(attribute="contact_name", allow_none=True)
    emergency_contact_phone = ma.fields.String(attribute="contact_phone", allow_none=True)


class StaffAlertResponseSchema(AlertResponseSchema):
    handled_at = ma.fields.DateTime(allow_none=True)
    handled_by = ma.fields.Integer(allow_none=True)
    traveller = ma.fields.Nested(TravellerSchema, attribute="account")
    trip = ma.fields.Method("_trip", metadata={"description": "The trip there, if any"})

    def _trip(self, response):
        trips = response.trips
        chosen = next((t for t in trips if trip_is_active(t)), trips[0] if trips else None)
        return TripContactSchema().dump(chosen) if chosen else None


class ResponseQueryArgsSchema(Base):
    status = ma.fields.String(validate=ma.validate.OneOf(RESPONSE_STATUSES))
    country = ma.fields.String(validate=validate_country)
    handled = ma.fields.Boolean()


class ResponseCountSchema(Base):
    country = ma.fields.String()
    safe = ma.fields.Integer()
    need_help = ma.fields.Integer()
    need_help_unhandled = ma.fields.Integer()
