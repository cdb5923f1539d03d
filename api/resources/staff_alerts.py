"""Officers' side of safety alerts: draft, edit, submit, approve or reject (a second
officer), update, all-clear, withdraw; and the check-in dashboard. Scope: the countries of
the officer's posts (admins: all)."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.alerts import (
    AlertApproveSchema,
    AlertCancelSchema,
    AlertCreateSchema,
    AlertEditSchema,
    AlertRejectSchema,
    AlertVersionCreateSchema,
    ResponseCountSchema,
    ResponseQueryArgsSchema,
    StaffAlertDetailSchema,
    StaffAlertQueryArgsSchema,
    StaffAlertResponseSchema,
    StaffAlertSchema,
)
from services.alerts import alerts
from services.alerts import responses as alert_responses

URL_PREFIX = "/staff/alerts"
blp = Blueprint("staff_alerts", __name__, description="Safety alerts: officers' workflow")


@blp.route("")
class StaffAlerts(MethodView):
    @staff_required
    @blp.arguments(StaffAlertQueryArgsSchema, location="query")
    @blp.response(200, StaffAlertSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403)
    def get(self, args):
        """Alerts for my countries, newest first"""
        return alerts.staff_alerts_query(current_account(), **args)

    @staff_required
    @idempotent
    @blp.arguments(AlertCreateSchema)
    @blp.response(201, StaffAlertDetailSchema)
    @blp.errors(401, 403)
    def post(self, data):
        """Draft an alert (version 1)"""
        return alerts.create_alert(current_account(), data)


@blp.route("/<int:alert_id>")
class StaffAlertById(MethodView):
    @staff_required
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404)
    def get(self, alert_id):
        """One alert with every version and the topic pushes of the published one"""
        return alerts.get_staff_alert(current_account(), alert_id)

    @staff_required
    @blp.arguments(AlertEditSchema)
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def patch(self, data, alert_id):
        """Edit the open version (a new draft version, with the reason)"""
        return alerts.edit_alert(current_account(), alert_id, data)


@blp.route("/<int:alert_id>/versions")
class StaffAlertVersions(MethodView):
    @staff_required
    @idempotent
    @blp.arguments(AlertVersionCreateSchema)
    @blp.response(201, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, alert_id):
        """Draft an update or the all-clear of a published alert"""
        return alerts.draft_new_version(current_account(), alert_id, data)


@blp.route("/<int:alert_id>/submit")
class SubmitAlert(MethodView):
    @staff_required
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, alert_id):
        """Send the draft for approval by another officer"""
        return alerts.submit_alert(current_account(), alert_id)


@blp.route("/<int:alert_id>/approve")
class ApproveAlert(MethodView):
    @staff_required
    @blp.arguments(AlertApproveSchema)
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, alert_id):
        """Approve the version awaiting approval: it is published and pushed"""
        return alerts.approve_alert(current_account(), alert_id, data["version"], data["note"])


@blp.route("/<int:alert_id>/reject")
class RejectAlert(MethodView):
    @staff_required
    @blp.arguments(AlertRejectSchema)
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, alert_id):
        """Reject the version awaiting approval, with the reason"""
        return alerts.reject_alert(current_account(), alert_id, data["version"], data["reason"])


@blp.route("/<int:alert_id>/cancel")
class CancelAlert(MethodView):
    @staff_required
    @blp.arguments(AlertCancelSchema)
    @blp.response(200, StaffAlertDetailSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, alert_id):
        """Withdraw the alert, or only its open version"""
        return alerts.cancel_alert(current_account(), alert_id, data["reason"], data["version"])


@blp.route("/<int:alert_id>/response-counts")
class ResponseCounts(MethodView):
    @staff_required
    @blp.response(200, ResponseCountSchema(many=True))
    @blp.errors(401, 403, 404)
    def get(self, alert_id):
        """Check-in answers per country in my scope: safe, need help, not yet handled"""
        return alert_responses.response_counts(current_account(), alert_id)


@blp.route("/<int:alert_id>/responses")
class StaffResponses(MethodView):
    @staff_required
    @blp.arguments(ResponseQueryArgsSchema, location="query")
    @blp.response(200, StaffAlertResponseSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, alert_id):
        """Check-in answers in my countries, e.g. ?status=need_help&handled=false"""
        return alert_responses.responses_query(current_account(), alert_id, **args)


@blp.route("/<int:alert_id>/responses/<int:response_id>/handled")
class MarkHandled(MethodView):
    @staff_required
    @blp.response(200, StaffAlertResponseSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, alert_id, response_id):
        """Mark a "need help" answer handled"""
        return alert_responses.mark_handled(current_account(), alert_id, response_id)
