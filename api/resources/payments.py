"""Paying an application's fee in the app: the payment sheet, my payments, receipts."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import IdempotencyHeaderSchema
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.payments import (
    PaymentCreateSchema,
    PaymentQueryArgsSchema,
    PaymentSchema,
    ReceiptSchema,
)
from services.payments import checkout as payment_checkout
from services.payments import queries as payment_queries

URL_PREFIX = "/payments"
blp = Blueprint("payments", __name__, description="Paying fees in the app (Stripe payment sheet)")


def _accepts_idempotency_key(func):
    """Document the Idempotency-Key header (the operation is idempotent without it too)."""
    apidoc = getattr(func, "_apidoc", {})
    arguments = apidoc.setdefault("arguments", {})
    arguments.setdefault("parameters", []).append(
        {"in": "headers", "required": False, "schema": IdempotencyHeaderSchema()}
    )
    arguments.setdefault("responses", {})
    func._apidoc = apidoc
    return func


@blp.route("")
class MyPayments(MethodView):
    @login_required
    @_accepts_idempotency_key
    @blp.arguments(PaymentCreateSchema)
    @blp.response(200, PaymentSchema)
    @blp.errors(401, 404, 409, 503)
    def post(self, data):
        """Pay for my application: create, or return, its open payment and payment sheet

        Idempotent by application: a double tap, a retry or a second device gets the same
        payment and the same PaymentIntent (an Idempotency-Key is accepted but not needed).
        409 `payment_not_available` when the post does not take payments in the app (pay at
        the counter), `already_paid`, `application_not_payable` (closed application),
        `payment_under_review`, `nothing_to_pay`. 503 `payment_gateway_unavailable`: retry
        after Retry-After seconds; the same payment and intent are reused. If the fee
        changed while the intent was still unpaid, that intent is cancelled and a new
        payment is made for the new amount.
        """
        return payment_checkout.start_payment(current_account(), data["application_id"])

    @login_required
    @blp.arguments(PaymentQueryArgsSchema, location="query")
    @blp.response(200, PaymentSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """My payments, newest first (optionally of one application)"""
        return payment_queries.owner_query(current_account(), args.get("application_id"))


@blp.route("/<int:payment_id>")
class MyPayment(MethodView):
    @login_required
    @blp.response(200, PaymentSchema)
    @blp.errors(401, 404)
    def get(self, payment_id):
        """One of my payments (the app polls this after the sheet closes)"""
        return payment_queries.get_for_owner(current_account(), payment_id)


@blp.route("/<int:payment_id>/receipt")
class MyReceipt(MethodView):
    @login_required
    @blp.response(200, ReceiptSchema)
    @blp.errors(401, 404, 409)
    def get(self, payment_id):
        """The receipt of a payment that went through (409 `receipt_not_available` before)"""
        return payment_queries.receipt_for_owner(current_account(), payment_id)
