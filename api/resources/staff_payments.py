"""Officers and payments: look at a payment of their post, refund it (fully or partly)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from api.blueprint import Blueprint
from api.security import current_account, staff_required
from api.security_headers import never_cached
from schemas.payments import (
    REFUND_IDEMPOTENCY_KEY_DOC,
    RefundCreateSchema,
    RefundSchema,
    StaffPaymentSchema,
)
from services.payments import queries as payment_queries
from services.payments import refunds as payment_refunds

URL_PREFIX = "/staff"
blp = Blueprint("staff_payments", __name__, description="Payments and refunds (officers of a post)")


never_cached(blp, personal=False)


@blp.route("/payments/<int:payment_id>")
class StaffPayment(MethodView):
    @staff_required
    @blp.response(200, StaffPaymentSchema)
    @blp.errors(401, 403, 404)
    def get(self, payment_id):
        """A payment of an application of my post, with its refunds"""
        return payment_queries.get_for_staff(current_account(), payment_id)


@blp.route("/payments/<int:payment_id>/refunds")
class StaffRefunds(MethodView):
    @staff_required
    @blp.arguments(RefundCreateSchema)
    @blp.doc(parameters=[REFUND_IDEMPOTENCY_KEY_DOC])
    @blp.response(201, RefundSchema)
    @blp.errors(401, 403, 404, 409, 422, 503)
    def post(self, data, payment_id):
        """Refund a payment, fully or partly, with a reason (audited)

        Send an Idempotency-Key: a retry with it returns the same refund. Never more than
        was received minus earlier refunds: 409 `refund_exceeds_payment`. The refund's
        `status` says what the gateway answered (`failed` with a `failure_code` when it
        refused). 503 `payment_gateway_unavailable`: retry with the same key.
        """
        return payment_refunds.refund_payment(
            current_account(),
            payment_id,
            amount=data.get("amount"),
            reason=data["reason"],
            # Checked by the service after the post scope (422 when missing or malformed).
            client_key=request.headers.get("Idempotency-Key"),
        )
