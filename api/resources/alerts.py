"""Safety alerts for the public (cacheable with ETag), as CAP 1.2 messages and Atom feeds for
other alerting systems, and travellers' check-in answers."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from api.blueprint import Blueprint
from api.i18n import request_language
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.alerts import (
    AlertResponseCreateSchema,
    AlertResponseSchema,
    PublicAlertQueryArgsSchema,
    PublicAlertSchema,
)
from services.alerts import alerts, cap_feed
from services.alerts import responses as alert_responses
from services.alerts.atom import ATOM_MEDIA_TYPE
from services.alerts.cap import CAP_MEDIA_TYPE

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


XML = {"type": "string", "format": "binary"}


def _xml(document: cap_feed.Document, media_type: str, max_age: int) -> Response:
    blp.set_etag(document.etag)  # 304 when If-None-Match names this body
    response = Response(document.body, mimetype=media_type)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@blp.route("/feed.atom")
class AlertFeed(MethodView):
    @blp.etag
    @blp.arguments(PublicAlertQueryArgsSchema, location="query")
    @blp.response(
        200,
        XML,
        content_type=ATOM_MEDIA_TYPE,
        description="Atom feed; each entry links the alert's current CAP 1.2 message",
    )
    def get(self, args):
        """Live safety alerts (all, or one country's) as an Atom feed of CAP messages"""
        document = cap_feed.atom_feed(args.get("country"), request_language())
        return _xml(document, ATOM_MEDIA_TYPE, current_app.config["CAP_FEED_CACHE_SECONDS"])


@blp.route("/<int:alert_id>/versions/<int:number>/cap.xml")
class AlertVersionCap(MethodView):
    @blp.etag
    @blp.response(200, XML, content_type=CAP_MEDIA_TYPE, description="OASIS CAP 1.2 message")
    @blp.errors(404)
    def get(self, alert_id, number):
        """One published version of an alert as a CAP 1.2 message (Alert or Update)"""
        document = cap_feed.version_cap(alert_id, number)
        # A published version never changes: caches may keep it for a day.
        return _xml(document, CAP_MEDIA_TYPE, 86400)


@blp.route("/<int:alert_id>/cancel.xml")
class AlertCancelCap(MethodView):
    @blp.etag
    @blp.response(200, XML, content_type=CAP_MEDIA_TYPE, description="OASIS CAP 1.2 Cancel")
    @blp.errors(404)
    def get(self, alert_id):
        """The CAP 1.2 Cancel of an alert withdrawn after it was published"""
        return _xml(cap_feed.cancel_cap(alert_id), CAP_MEDIA_TYPE, 86400)


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
