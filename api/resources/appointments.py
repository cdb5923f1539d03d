"""Availability (public) and citizens' appointments: book, list, read, reschedule, cancel,
the QR pass and the calendar file. State changes are POSTs; a GET never changes anything.
Another citizen's appointment is a 404.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, request
from flask.views import MethodView

from api.blueprint import Blueprint
from api.cache import cached_public
from api.edge_refusals import ASKED as EDGE_ASKED
from api.edge_refusals import JUDGED_FULL, SEAT_LIMITS, surely_full
from api.extensions import access_claims, client_ip
from api.i18n import request_language
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.json_body import request_json
from api.pagination import SelectPage
from api.rate_limits import Limit, rate_limited
from api.security import current_account, login_required
from schemas.appointments import (
    AppointmentCreateSchema,
    AppointmentQueryArgsSchema,
    AppointmentSchema,
    AvailabilityQueryArgsSchema,
    AvailabilitySchema,
    RescheduleSchema,
)
from services.appointments import appointments as appointment_service
from services.appointments import availability_version, slots
from services.core.errors import Conflict

URL_PREFIX = ""
blp = Blueprint("appointments", __name__, description="Availability and appointments")


# Booking and rescheduling take seats: one budget per account and one per IP, judged in
# one Redis round trip (``api.rate_limits``), and counted by the edge for its refusals.
_SEAT_LIMITS = [rate_limited(*SEAT_LIMITS)]


def _refuse_surely_full(view):
    """Release day: a tap on a full slot is answered 409 ``slot_full`` after one statement,
    before the account is loaded or a key claimed (``api.edge_refusals.surely_full``; most
    are answered in front of Flask already). Whatever could make the answer another one goes
    the whole way, so the order of the errors is unchanged."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        environ = request.environ
        if environ.get(JUDGED_FULL) or (
            not environ.get(EDGE_ASKED)
            and surely_full(
                access_claims(), request_json().value, request.headers.get(IDEMPOTENCY_HEADER)
            )
        ):
            raise Conflict("slot_full")
        return view(*args, **kwargs)

    return wrapper


# The scope is the endpoint's, which Flask-Limiter gave this limit: the same counters.
AVAILABILITY_PER_IP = Limit(
    "RATELIMIT_AVAILABILITY_PER_IP", client_ip, scope="appointments.Availability"
)


@blp.route("/posts/<string:code>/availability")
class Availability(MethodView):
    decorators = [rate_limited(AVAILABILITY_PER_IP)]

    # Hits are answered before Flask and counted there against the same per-IP limit.
    @cached_public(
        "AVAILABILITY_CACHE_SECONDS",
        availability_version.current,
        edge=True,
        limit=AVAILABILITY_PER_IP,
    )
    @blp.etag
    @blp.arguments(AvailabilityQueryArgsSchema, location="query")
    @blp.response(200, AvailabilitySchema)
    @blp.errors(404, 422, 429)
    def get(self, args, code):
        """Free slots of one service at a post, in the post's local time (at most 62 days)"""
        return slots.availability(code, args["service"], args.get("from_"), args.get("to"))


@blp.route("/appointments")
class Appointments(MethodView):
    decorators = _SEAT_LIMITS

    @login_required
    @blp.arguments(AppointmentQueryArgsSchema, location="query")
    @blp.response(200, AppointmentSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """List my appointments, newest first"""
        return appointment_service.appointments_query(current_account(), status=args.get("status"))

    @_refuse_surely_full
    @login_required
    @idempotent(claim_with_first_statement=True)  # with the rules, in their round trip
    @blp.arguments(AppointmentCreateSchema)
    @blp.response(201, AppointmentSchema)
    @blp.errors(401, 403, 404, 409, 422, 429)
    def post(self, data):
        """Book a slot for one of my applicants (send an Idempotency-Key)"""
        return appointment_service.book_appointment(
            current_account(),
            applicant_id=data["applicant_id"],
            post_code=data["post"],
            service_code=data["service"],
            slot_id=data["slot_id"],
        )


@blp.route("/appointments/<int:appointment_id>")
class AppointmentById(MethodView):
    @login_required
    @blp.response(200, AppointmentSchema)
    @blp.errors(401, 404)
    def get(self, appointment_id):
        """One of my appointments"""
        return appointment_service.get_appointment(current_account(), appointment_id)


@blp.route("/appointments/<int:appointment_id>/reschedule")
class Reschedule(MethodView):
    decorators = _SEAT_LIMITS

    @login_required
    @idempotent
    @blp.arguments(RescheduleSchema)
    @blp.response(200, AppointmentSchema)
    @blp.errors(401, 404, 409, 422, 429)
    def post(self, data, appointment_id):
        """Move my appointment to another slot of the same post and service (both or neither)"""
        return appointment_service.reschedule_appointment(
            current_account(), appointment_id, data["slot_id"]
        )


@blp.route("/appointments/<int:appointment_id>/cancel")
class Cancel(MethodView):
    @login_required
    @blp.response(200, AppointmentSchema)
    @blp.errors(401, 404, 409)
    def post(self, appointment_id):
        """Cancel my appointment (until the post's cutoff); the seat is freed at once"""
        return appointment_service.cancel_appointment(current_account(), appointment_id)


@blp.route("/appointments/<int:appointment_id>/qr.svg")
class AppointmentPass(MethodView):
    @login_required
    @blp.response(200, content_type="image/svg+xml", description="QR code of a signed token")
    @blp.errors(401, 404)
    def get(self, appointment_id):
        """The QR pass of my appointment (SVG)"""
        svg = appointment_service.pass_svg(current_account(), appointment_id)
        return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private"})


@blp.route("/appointments/<int:appointment_id>/calendar.ics")
class AppointmentCalendar(MethodView):
    @login_required
    @blp.response(200, content_type="text/calendar", description="RFC 5545 iCalendar file")
    @blp.errors(401, 404)
    def get(self, appointment_id):
        """My appointment as an iCalendar file, in the post's time zone"""
        text, filename = appointment_service.calendar_file(
            current_account(), appointment_id, request_language()
        )
        return Response(
            text.encode("utf-8"),
            mimetype="text/calendar",
            content_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "private",
            },
        )
