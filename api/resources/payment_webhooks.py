"""The payment gateway's webhook: signed events, the truth about payments and refunds."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from api.blueprint import Blueprint
from schemas.payments import WebhookAckSchema
from services.payments import webhooks as payment_webhooks

URL_PREFIX = "/webhooks"
blp = Blueprint("payment_webhooks", __name__, description="Payment gateway webhooks")

WEBHOOK_BODY_DOC = {
    "required": True,
    "description": "A Stripe event, exactly as Stripe sent it: the signature covers the raw bytes.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
SIGNATURE_HEADER_DOC = {
    "in": "header",
    "name": "Stripe-Signature",
    "required": True,
    "schema": {"type": "string"},
    "description": "t=<unix time>,v1=<HMAC-SHA256 of 't.body' with the endpoint's secret>",
}


@blp.route("/stripe")
class StripeWebhook(MethodView):
    # The signature is over the raw body: never parse or re-encode it before verification.
    accepts_raw_body = True

    @blp.doc(requestBody=WEBHOOK_BODY_DOC, parameters=[SIGNATURE_HEADER_DOC])
    @blp.response(200, WebhookAckSchema)
    @blp.errors(400, 409, 503)
    def post(self):
        """Receive a Stripe event (signature checked; each event applied once)

        400 `invalid_webhook_signature` for a bad or missing signature, a timestamp older
        than five minutes or a body that is not an event. A duplicate answers 200 with
        `duplicate: true` and changes nothing. 503 when the gateway cannot be asked for the
        intent's current state: Stripe delivers the event again later.
        """
        result = payment_webhooks.process_webhook(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
        return {"received": True, "event_id": result.event_id, "duplicate": result.duplicate}
