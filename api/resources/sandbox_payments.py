"""Sandbox only: "pay" or "fail" a payment's intent from the mobile app under development.

Registered only when ``PAYMENTS_BACKEND == "sandbox"`` (the embedded default): with Stripe
configured this route does not exist. The committed openapi.yaml is generated with the
development configuration, so it documents this route.
"""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.security import current_account, login_required
from schemas.payments import SimulateSchema, SimulationSchema
from services.payments import sandbox as payment_sandbox

URL_PREFIX = "/sandbox"
blp = Blueprint(
    "sandbox_payments", __name__, description="Sandbox payments (development only; not with Stripe)"
)


@blp.route("/payments/<int:payment_id>/simulate")
class SimulatePayment(MethodView):
    @login_required
    @blp.arguments(SimulateSchema)
    @blp.response(200, SimulationSchema)
    @blp.errors(401, 404, 409)
    def post(self, data, payment_id):
        """Sandbox only: pay, fail or start processing my payment, then deliver its webhook

        The sandbox gateway moves the PaymentIntent and signs the event exactly as Stripe
        does; it is then applied through the same code as `POST /webhooks/stripe`, once or
        twice (`deliver: twice` shows that a duplicate changes nothing). This route exists
        only while PAYMENTS_BACKEND is `sandbox` (the development default); the committed
        openapi.yaml is generated with that configuration.
        """
        return payment_sandbox.simulate(
            current_account(), payment_id, data["outcome"], data["deliver"]
        )
