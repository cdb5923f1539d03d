"""Officers of a post: its opening templates, closures and booking policy. Every change is
audited; an officer of another post gets 403."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.schedules import (
    BookingPolicySchema,
    BookingPolicyUpdateSchema,
    ClosureCreateSchema,
    ClosureQueryArgsSchema,
    ClosureSchema,
    TemplateSchema,
    TemplateUpdateSchema,
)
from services.appointments import schedules

URL_PREFIX = "/staff/posts/<string:code>"
blp = Blueprint("schedules", __name__, description="A post's schedule (officers of the post)")


@blp.route("/booking-policy")
class PostBookingPolicy(MethodView):
    @staff_required
    @blp.response(200, BookingPolicySchema)
    @blp.errors(401, 403, 404)
    def get(self, code):
        """The post's booking window, cancellation cutoff and no-show policy"""
        return schedules.read_policy(current_account(), code)

    @staff_required
    @blp.arguments(BookingPolicyUpdateSchema(partial=True))
    @blp.response(200, BookingPolicySchema)
    @blp.errors(401, 403, 404)
    def patch(self, data, code):
        """Change the booking window, cancellation cutoff or no-show policy"""
        return schedules.update_policy(current_account(), code, data)


@blp.route("/schedule-templates")
class Templates(MethodView):
    @staff_required
    @blp.response(200, TemplateSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, code):
        """The post's weekly opening templates"""
        return schedules.templates_query(current_account(), code)

    @staff_required
    @idempotent
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, data, code):
        """Add a weekly opening; the post's slots are generated at once"""
        return schedules.create_template(current_account(), code, data)


@blp.route("/schedule-templates/<int:template_id>")
class TemplateById(MethodView):
    @staff_required
    @blp.arguments(TemplateUpdateSchema(partial=True))
    @blp.response(200, TemplateSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, data, code, template_id):
        """Change an opening; slots holding bookings are kept, never dropped"""
        return schedules.update_template(current_account(), code, template_id, data)

    @staff_required
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, code, template_id):
        """Remove an opening; slots holding bookings are kept, never dropped"""
        schedules.delete_template(current_account(), code, template_id)


@blp.route("/closures")
class Closures(MethodView):
    @staff_required
    @blp.arguments(ClosureQueryArgsSchema, location="query")
    @blp.response(200, ClosureSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, code):
        """The post's closures (holidays, emergencies)"""
        return schedules.closures_query(current_account(), code, upcoming_only=args["upcoming"])

    @staff_required
    @idempotent
    @blp.arguments(ClosureCreateSchema)
    @blp.response(201, ClosureSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, data, code):
        """Close days or a period: its appointments are cancelled and their holders told why"""
        return schedules.create_closure(current_account(), code, data)


@blp.route("/closures/<int:closure_id>")
class ClosureById(MethodView):
    @staff_required
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, code, closure_id):
        """Reopen a closed period (cancelled appointments stay cancelled)"""
        schedules.delete_closure(current_account(), code, closure_id)
