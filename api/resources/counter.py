"""The counter of a post: the day sheet, check-in by QR token or typed code, no-show,
complete. Officers of that post (and admins) only; every action is audited."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.schedules import CheckInSchema, CounterAppointmentSchema, DaySheetQueryArgsSchema
from services.appointments import counter

URL_PREFIX = "/staff/posts/<string:code>"
blp = Blueprint("counter", __name__, description="Check-in and the day sheet (officers)")


@blp.route("/day-sheet")
class DaySheet(MethodView):
    @staff_required
    @blp.arguments(DaySheetQueryArgsSchema, location="query")
    @blp.response(200, CounterAppointmentSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, code):
        """Appointments of one local day at the post, in time order"""
        return counter.day_sheet_query(
            current_account(),
            code,
            args.get("date"),
            include_cancelled=args["include_cancelled"],
        )


@blp.route("/check-in")
class CheckIn(MethodView):
    @staff_required
    @blp.arguments(CheckInSchema)
    @blp.response(200, CounterAppointmentSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, data, code):
        """Check a citizen in by the scanned QR token or the typed booking code"""
        return counter.check_in(
            current_account(), code, token=data.get("token"), code=data.get("code")
        )


@blp.route("/appointments/<int:appointment_id>/no-show")
class NoShow(MethodView):
    @staff_required
    @blp.response(200, CounterAppointmentSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, code, appointment_id):
        """Record that the citizen did not come (only after the slot has ended)"""
        return counter.mark_no_show(current_account(), code, appointment_id)


@blp.route("/appointments/<int:appointment_id>/complete")
class Complete(MethodView):
    @staff_required
    @blp.response(200, CounterAppointmentSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, code, appointment_id):
        """Close a checked-in appointment as served"""
        return counter.complete(current_account(), code, appointment_id)
