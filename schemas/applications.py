"""Schemas for applications: the applicant's view, the staff view, opening, transitions,
the public progress lookup, ratings and post metrics."""

from __future__ import annotations

import marshmallow as ma

from schemas.applicants import ApplicantSummarySchema
from schemas.catalogue import MoneySchema, PostSummarySchema
from schemas.common import (
    MULTILINE,
    Base,
    Translated,
    current_language,
    validate_date_of_birth,
    validate_latin_name,
)
from services.applications.applications import information_requested, is_overdue, public_timeline
from services.applications.next_action import NEXT_ACTIONS
from services.applications.states import TRANSITIONS
from services.models import APPLICATION_STATES, DELIVERY_METHODS
from services.payments.standing import PAYMENT_STATES, overviews

STATE_FIELD = {"enum": list(APPLICATION_STATES)}


class TimelineEntrySchema(Base):
    state = ma.fields.String(metadata=STATE_FIELD)
    state_name = ma.fields.String()
    at = ma.fields.DateTime()
    note = ma.fields.String(allow_none=True)
    information_requested = ma.fields.String(allow_none=True)


class RatingSchema(Base):
    score = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class _PersonOf(ma.fields.Nested):
    """The applicant as an appointment shows them, from the application's own snapshot of
    the person (it stays true after the applicant record is edited or deleted)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return {
            "id": obj.applicant_id,
            "surname_latin": obj.surname_latin,
            "given_names_latin": obj.given_names_latin,
        }


class _ApplicationFields(Base):
    """What the applicant and the post's officers both see: no internal notes, no officer
    identities."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "FRPAR-2026-000123-K"})
    post = ma.fields.Nested(PostSummarySchema)
    service = ma.fields.Function(lambda a: a.service_type.code, metadata={"type": "string"})
    service_name = Translated("service_type.names")
    applicant_id = ma.fields.Integer(allow_none=True)
    applicant = _PersonOf(
        ApplicantSummarySchema,
        metadata={"description": "The person, as when the application was opened"},
    )
    appointment_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(metadata=STATE_FIELD)
    delivery_method = ma.fields.String(metadata={"enum": list(DELIVERY_METHODS)})
    tracking_number = ma.fields.String(allow_none=True)
    submitted_at = ma.fields.DateTime()
    expected_on = ma.fields.Date(metadata={"description": "Expected completion, post's calendar"})
    completed_at = ma.fields.DateTime(allow_none=True)
    overdue = ma.fields.Method("_overdue")
    information_requested = ma.fields.Method(
        "_information", metadata={"type": "string", "nullable": True}
    )
    timeline = ma.fields.Method(
        "_timeline", metadata={"type": "array", "items": {"type": "object"}}
    )
    rating = ma.fields.Nested(
        RatingSchema,
        allow_none=True,
        metadata={
            "description": "The applicant's own rating; null until they rate "
            "(next_action is rate while it may be given)"
        },
    )

    def _overdue(self, application) -> bool:
        return is_overdue(application)

    def _information(self, application):
        return information_requested(application)

    def _timeline(self, application):
        return TimelineEntrySchema(many=True).dump(public_timeline(application, current_language()))


class PaymentStandingSchema(Base):
    state = ma.fields.String(
        metadata={
            "enum": list(PAYMENT_STATES),
            "description": "due: pay in the app now; pay_at_post: pay at the counter; "
            "not_required: free; not_due: closed unpaid; see the README for the table",
        }
    )
    fee = ma.fields.Nested(MoneySchema, allow_none=True)
    payment_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The payment the state comes from"}
    )
    paid_at = ma.fields.DateTime(allow_none=True)


class _WithOverview:
    """An application with what the applicant's screen adds (payment state, next action);
    every other attribute is the application's."""

    def __init__(self, application, overview) -> None:
        self._application = application
        self.payment = overview.payment
        self.next_action = overview.next_action

    def __getattr__(self, name: str):
        return getattr(self._application, name)


class ApplicationSchema(_ApplicationFields):
    """What the applicant sees, with everything one screen needs: the post, the person, the
    fee and its payment state, and the action expected of them next."""

    payment = ma.fields.Nested(PaymentStandingSchema)
    next_action = ma.fields.String(
        metadata={
            "enum": list(NEXT_ACTIONS),
            "description": "What the applicant is expected to do next (README: the rule table)",
        }
    )

    @ma.pre_dump(pass_collection=True)
    def _compose(self, data, many: bool, **kwargs):
        # One batch for the whole page (a few queries), not a few queries per application.
        applications = list(data) if many else [data]
        composed = overviews(applications)
        wrapped = [_WithOverview(a, composed[a.id]) for a in applications]
        return wrapped if many else wrapped[0]


class StaffEventSchema(Base):
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String()
    at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String()
    public_note = ma.fields.String(allow_none=True)
    internal_note = ma.fields.String(allow_none=True)
    information_requested = ma.fields.String(allow_none=True)


class StaffApplicationSchema(_ApplicationFields):
    """What officers of the post see, internal notes included."""

    surname_latin = ma.fields.String()
    given_names_latin = ma.fields.String()
    date_of_birth = ma.fields.Date()
    account_id = ma.fields.Integer(allow_none=True)
    delivery_address = ma.fields.String(allow_none=True)
    allowed_transitions = ma.fields.Function(lambda a: list(TRANSITIONS[a.state]))
    events = ma.fields.List(ma.fields.Nested(StaffEventSchema))


class PersonSchema(Base):
    surname_latin = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=80), validate_latin_name]
    )
    given_names_latin = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=120), validate_latin_name]
    )
    date_of_birth = ma.fields.Date(required=True, validate=validate_date_of_birth)


class WalkInCreateSchema(Base):
    service = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    person = ma.fields.Nested(PersonSchema, required=True)
    language = ma.fields.String(
        load_default="en", validate=ma.validate.OneOf(("en", "zh-Hans", "zh-Hant", "vi"))
    )
    delivery_method = ma.fields.String(
        load_default="collection", validate=ma.validate.OneOf(DELIVERY_METHODS)
    )
    delivery_address = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=5, max=300), metadata=MULTILINE
    )


class FromAppointmentSchema(Base):
    delivery_method = ma.fields.String(
        load_default="collection", validate=ma.validate.OneOf(DELIVERY_METHODS)
    )
    delivery_address = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=5, max=300), metadata=MULTILINE
    )


class TransitionSchema(Base):
    to = ma.fields.String(required=True, validate=ma.validate.OneOf(APPLICATION_STATES))
    public_note = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=2000), metadata=MULTILINE
    )
    internal_note = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=2000), metadata=MULTILINE
    )
    information_requested = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=2000), metadata=MULTILINE
    )
    tracking_number = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(r"^[A-Za-z0-9-]{4,64}$")
    )


class WithdrawSchema(Base):
    reason = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=1000), metadata=MULTILINE
    )


class StaffApplicationQueryArgsSchema(Base):
    state = ma.fields.String(validate=ma.validate.OneOf(APPLICATION_STATES))
    due = ma.fields.String(validate=ma.validate.OneOf(("overdue", "due_soon")))


class ProgressLookupSchema(Base):
    number = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=10, max=40),
        metadata={"example": "FRPAR-2026-000123-K"},
    )
    surname = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    date_of_birth = ma.fields.Date(required=True)


class PublicProgressSchema(Base):
    number = ma.fields.String()
    name = ma.fields.String(metadata={"description": "Masked: N*** V** A*"})
    state = ma.fields.String(metadata=STATE_FIELD)
    state_name = ma.fields.String()
    expected_on = ma.fields.Date()
    post_code = ma.fields.String()
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntrySchema))


class RatingCreateSchema(Base):
    score = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=5))
    comment = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=1000), metadata=MULTILINE
    )


class StaffRatingSchema(Base):
    """A rating as the post's officers read it: the application it is about, nothing about
    the account that wrote it."""

    id = ma.fields.Integer()
    application_id = ma.fields.Integer()
    number = ma.fields.Function(lambda r: r.application.number)
    service = ma.fields.Function(lambda r: r.application.service_type.code)
    score = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class StaffRatingQueryArgsSchema(Base):
    score = ma.fields.Integer(validate=ma.validate.Range(min=1, max=5))
    with_comment = ma.fields.Boolean(
        load_default=False, metadata={"description": "Only ratings with a comment"}
    )


class PostMetricsSchema(Base):
    post = ma.fields.String()
    ratings = ma.fields.Dict()
    completed = ma.fields.Integer()
    median_processing_days = ma.fields.Float(allow_none=True)
    on_time_share = ma.fields.Float(allow_none=True)
    open_by_state = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
