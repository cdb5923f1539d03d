"""Safety alerts for the public (cacheable with ETag) and travellers' check-in answers."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.alerts import (
    AlertResponseCreateSchema,
    AlertResponseSchema,
    PublicAlertQueryArgsSchema,
    PublicAlertSchema,
)
from services.alerts import alerts
from services.alerts import responses as alert_responses

URL_PREFIX = "/alerts"
blp = Blueprint("alerts", __name__, description="Safety alerts and check-in (safe / need help)")


@blp.route("")
class Alerts(MethodView):
    @blp.etag
    @blp.arguments(PublicAlertQueryArgsSchema, location="query")
    @blp.response(200, PublicAlertSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """Live safety alerts, newest first, in my language (English when missing)

        An alert whose all-clear is published stays listed with `active: false` until it
        expires; `active=true` lists current dangers only.
        """
        return alerts.public_alerts_query(args.get("country"), active=args.get("active"))


@blp.route("/<int:alert_id>")
class AlertById(MethodView):
    @blp.etag
    @blp.response(200, PublicAlertSchema)
    @blp.errors(404)
    def get(self, alert_id):
        """One published alert (also once expired, for links from the inbox)"""
        return alerts.get_public_alert(alert_id)


@blp.route("/<int:alert_id>/responses")
class Responses(MethodView):
    @login_required
    @blp.arguments(AlertResponseCreateSchema)
    @blp.response(200, AlertResponseSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, alert_id):
        """Answer an emergency alert: I am safe / I need help (sending again changes it)"""
        return alert_responses.respond(current_account(), alert_id, data)


@blp.route("/<int:alert_id>/responses/mine")
class MyResponse(MethodView):
    @login_required
    @blp.response(200, AlertResponseSchema)
    @blp.errors(401, 404)
    def get(self, alert_id):
        """My answer to an alert"""
        return alert_responses.my_response(current_account(), alert_id)
