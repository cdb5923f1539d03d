"""Applications as the applicant sees them, and the public progress lookup (no login)."""

from __future__ import annotations

from flask import jsonify, request
from flask.views import MethodView

from api.blueprint import Blueprint
from api.edge_lookups import Lookup
from api.i18n import request_language
from api.pagination import SelectPage
from api.rate_limits import BY_IP, BodyKey, Limit, rate_limited
from api.security import current_account, login_required
from schemas.applications import (
    ApplicationSchema,
    ProgressLookupSchema,
    PublicProgressSchema,
    RatingCreateSchema,
    RatingSchema,
    WithdrawSchema,
)
from services.applications import applications
from services.applications import public as application_public
from services.applications import ratings as application_ratings
from services.applications.numbers import normalise

URL_PREFIX = "/applications"
blp = Blueprint("applications", __name__, description="My applications and public progress lookup")


def _missed(response) -> bool:
    return response.status_code == 404


@blp.route("")
class MyApplications(MethodView):
    @login_required
    @blp.response(200, ApplicationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """My applications, newest first"""
        return applications.owner_query(current_account())


@blp.route("/<int:application_id>")
class MyApplication(MethodView):
    @login_required
    @blp.response(200, ApplicationSchema)
    @blp.errors(401, 404)
    def get(self, application_id):
        """One of my applications with its timeline and expected date"""
        return applications.get_for_owner(current_account(), application_id)


@blp.route("/<int:application_id>/withdraw")
class Withdraw(MethodView):
    @login_required
    @blp.arguments(WithdrawSchema)
    @blp.response(200, ApplicationSchema)
    @blp.errors(401, 404, 409)
    def post(self, data, application_id):
        """Withdraw my application (before it is approved)"""
        return applications.withdraw(current_account(), application_id, data["reason"])


@blp.route("/<int:application_id>/rating")
class Rate(MethodView):
    @login_required
    @blp.response(200, RatingSchema)
    @blp.errors(401, 404)
    def get(self, application_id):
        """My rating of my application (404 rating_not_found before I rate)"""
        return application_ratings.own_rating(current_account(), application_id)

    @login_required
    @blp.arguments(RatingCreateSchema)
    @blp.response(201, RatingSchema)
    @blp.errors(401, 404, 409)
    def post(self, data, application_id):
        """Rate the service once, after collection or delivery"""
        return application_ratings.rate(current_account(), application_id, **data)


def _number_key(raw_body) -> str:
    number = raw_body.get("number") if isinstance(raw_body, dict) else None
    return "progress-number:" + normalise(number if isinstance(number, str) else "")[:40]


# The lookup's limits, with their keys defined once for the view and the edge (``BodyKey``).
PER_IP = Limit("RATELIMIT_PROGRESS_LOOKUP_PER_IP", BY_IP, scope="progress-ip")
PER_NUMBER_IP = Limit(
    "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP",
    BodyKey(lambda raw_body, ip: _number_key(raw_body) + "|ip:" + ip),
    scope="progress-number-ip",
    deduct_when=_missed,
)
PER_NUMBER = Limit(
    "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER",
    BodyKey(lambda raw_body, _ip: _number_key(raw_body)),
    scope="progress-number",
    deduct_when=_missed,
)


def _iso(value):
    return None if value is None else value.isoformat()


def progress_payload(progress) -> dict:
    """The answer as ``PublicProgressSchema`` documents it, built directly: the service
    already chose every field (masking included), so a schema dump would only check it
    again, on every lookup of a surge."""
    return {
        "number": progress.number,
        "name": progress.name,
        "state": progress.state,
        "state_name": progress.state_name,
        "expected_on": _iso(progress.expected_on),
        "post_code": progress.post_code,
        "timeline": [
            {
                "state": entry.state,
                "state_name": entry.state_name,
                "at": _iso(entry.at),
                "note": entry.note,
                "information_requested": entry.information_requested,
            }
            for entry in progress.timeline
        ],
    }


# The lookup as the edge answers it (``api.edge_lookups``) and as the view does: one schema
# instance, one list of limits.
EDGE_LOOKUP = Lookup(
    path="/api/v1/applications/lookup",
    schema=ProgressLookupSchema(),
    limits=(PER_IP, PER_NUMBER_IP, PER_NUMBER),
    find=lambda data, language: progress_payload(
        application_public.lookup(**data, language=language)
    ),
    miss_error=application_public.NOT_FOUND,
)


@blp.after_request
def _lookups_never_stored(response):
    # A lookup's answer (a masked name, a state) is for the one who asked: never stored by
    # any cache, errors included (a public route: the logged-in rule does not apply).
    if request.endpoint == "applications.ProgressLookup":
        response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/lookup")
class ProgressLookup(MethodView):
    # Every lookup counts per IP (no sweeping numbers). Only misses count per number: per
    # (number, IP), so strangers' wrong guesses never block the holder's right answer from
    # another address, and per number over all addresses, a slower ceiling that stops many
    # addresses guessing one person's date of birth (only that can make the holder wait,
    # for the ceiling's window; they still see the application in the app). All judged in
    # one Redis round trip (``api.rate_limits``).
    decorators = [rate_limited(*EDGE_LOOKUP.limits)]

    # An instance, built once: given the class, webargs builds a schema on every request.
    @blp.arguments(EDGE_LOOKUP.schema)
    @blp.response(200, PublicProgressSchema)
    @blp.errors(404, 429)
    def post(self, data):
        """Check an application's progress with its number, surname and date of birth"""
        found = application_public.lookup(**data, language=request_language())
        return jsonify(progress_payload(found))
