"""The sandbox gateway's simulation route (development only): pay, fail or refund a payment."""

from __future__ import annotations

from dataclasses import dataclass

from payments import (
    PaymentRejected,
    SandboxGateway,
)
from services.core.errors import Conflict, NotFound
from services.core.integrations import payment_gateway
from services.models import (
    Account,
    Payment,
)
from services.payments.common import release_connection, reload_payment
from services.payments.queries import get_for_owner
from services.payments.webhooks import WebhookResult, process_webhook


# --- sandbox -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Simulation:
    payment: Payment
    deliveries: list[WebhookResult]


def simulate(owner: Account, payment_id: int, outcome: str, deliver: str) -> Simulation:
    """Sandbox only: "pay" or "fail" the intent, then deliver its signed webhook once or
    twice through ``process_webhook`` (the code path of the real webhook endpoint)."""
    payment = get_for_owner(owner, payment_id)
    intent_id = payment.intent_id
    release_connection()
    gateway = payment_gateway()
    if not isinstance(gateway, SandboxGateway):
        raise NotFound("not_found")
    if intent_id is None:
        raise Conflict("simulation_not_possible")
    try:
        signed = gateway.simulate_payment(intent_id=intent_id, outcome=outcome)  # type: ignore[arg-type]
    except PaymentRejected:
        raise Conflict("simulation_not_possible") from None
    deliveries = [
        process_webhook(signed.payload, signed.signature_header)
        for _ in range(2 if deliver == "twice" else 1)
    ]
    return Simulation(payment=reload_payment(payment_id), deliveries=deliveries)
