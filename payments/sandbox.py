"""``SandboxGateway``: the embedded default payment gateway, real code with no network.

Customers, PaymentIntents, charges, refunds, events and idempotency records live in a small
SQLite file (``payments.sandbox_store``), stored in exactly Stripe's JSON shapes so the same
converters and the same webhook verification (the SDK's ``construct_event``) serve both
gateways. A developer running ``flask run`` can go through the whole flow: create a sheet,
``simulate_payment`` to get a webhook body plus a ``Stripe-Signature`` header signed the way
Stripe signs, POST them to the app's own webhook endpoint, refund, and fetch the signed
``charge.refunded`` with ``refund_webhook``.

Idempotency follows Stripe: a key remembers the request and its successful response for 24
hours; the same key with the same parameters replays the original response (even if the
object changed since), a different request raises ``IdempotencyConflict``, and a failed
request is not remembered. Unlike Stripe there is no minimum charge beyond 1 minor unit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from typing import Any, Literal, NamedTuple

from payments import sandbox_objects as objects
from payments.base import (
    IntentInfo,
    PaymentGateway,
    PaymentRejected,
    PaymentSheet,
    RefundInfo,
    WebhookEvent,
)
from payments.sandbox_store import SandboxStore, Transaction
from payments.stripe_shapes import (
    check_metadata,
    check_refund_reason,
    intent_info,
    refund_info,
    stripe_amount_or_reject,
)
from payments.webhooks import sign_webhook_payload, verify_webhook

__all__ = ["SandboxGateway", "SignedWebhook", "sign_webhook_payload"]

# Stripe also cancels a "processing" intent "in rare cases" (some payment methods); the
# sandbox never does, so code paths must cope with cancel being refused.
_CANCELABLE = frozenset(
    {"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"}
)
_AWAITING_PAYMENT = _CANCELABLE - {"requires_capture"}
_OUTCOME_EVENTS = {
    "succeeded": "payment_intent.succeeded",
    "failed": "payment_intent.payment_failed",
    "processing": "payment_intent.processing",
}


class SignedWebhook(NamedTuple):
    """One delivery: POST ``payload`` with header ``Stripe-Signature: <signature_header>``."""

    payload: bytes
    signature_header: str


def _require_status(intent: dict[str, Any], allowed: Collection[str], action: str) -> None:
    if intent["status"] not in allowed:
        raise PaymentRejected(  # Stripe's code for this situation
            f"You cannot {action} this PaymentIntent because it has a status of "
            f"{intent['status']}.",
            code="payment_intent_unexpected_state",
        )


class SandboxGateway(PaymentGateway):
    """Local PaymentIntents with Stripe's semantics and properly signed webhooks."""

    def __init__(
        self,
        *,
        db_path: str | os.PathLike[str],
        webhook_secret: str,
        publishable_key: str = "pk_test_sandbox",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not webhook_secret:
            raise ValueError("SandboxGateway needs a non-empty webhook_secret")
        self._store = SandboxStore(os.fspath(db_path))
        self._webhook_secret = webhook_secret
        self._publishable_key = publishable_key
        self._clock = clock  # injectable: tests make stale events by turning it back

    def close(self) -> None:
        self._store.close()

    def _tx(self) -> AbstractContextManager[Transaction]:
        # One clock reading per transaction: every object it touches shares a timestamp.
        return self._store.transaction(int(self._clock()))

    def _sign(self, body: str) -> SignedWebhook:
        payload = body.encode("utf-8")
        now = int(self._clock())
        return SignedWebhook(payload, sign_webhook_payload(payload, self._webhook_secret, now))

    def _record_event(
        self, tx: Transaction, event_type: str, obj: dict[str, Any], ref: str
    ) -> SignedWebhook:
        return self._sign(tx.put(objects.new_event(event_type, obj, tx.now), ref=ref))

    # -- PaymentGateway -------------------------------------------------------------------

    def ensure_customer(self, *, account_ref: str, email: str | None, idempotency_key: str) -> str:
        params = {"email": email, "metadata": {"account_ref": account_ref}}
        with self._tx() as tx:

            def create() -> dict[str, Any]:
                customer = objects.new_customer(params, tx.now)
                tx.put(customer)
                return customer

            request = {"endpoint": "POST /v1/customers", "params": params}
            return tx.idempotent(idempotency_key, request, create)["id"]

    def create_payment_sheet(
        self,
        *,
        customer_id: str,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
        description: str | None = None,
    ) -> PaymentSheet:
        # The parameters StripeGateway sends, so an idempotency fingerprint means the same.
        params: dict[str, Any] = {
            "amount": stripe_amount_or_reject(amount, currency),
            "currency": currency.lower(),
            "customer": customer_id,
            "automatic_payment_methods": {"enabled": True},
            "metadata": check_metadata(metadata),
            "description": description,
        }
        with self._tx() as tx:

            def create_intent() -> dict[str, Any]:
                tx.get("customer", customer_id)
                intent = objects.new_intent(params, tx.now)
                tx.put(intent)
                return intent

            def create_ephemeral_key() -> dict[str, Any]:
                tx.get("customer", customer_id)
                return objects.new_ephemeral_key(customer_id, tx.now)

            intent = tx.idempotent(
                f"{idempotency_key}:intent",
                {"endpoint": "POST /v1/payment_intents", "params": params},
                create_intent,
            )
            ekey = tx.idempotent(
                f"{idempotency_key}:ekey",
                {"endpoint": "POST /v1/ephemeral_keys", "params": {"customer": customer_id}},
                create_ephemeral_key,
            )
        info = intent_info(intent)
        return PaymentSheet(
            intent_id=info.id,
            client_secret=intent["client_secret"],
            customer_id=customer_id,
            ephemeral_key_secret=ekey["secret"],
            publishable_key=self._publishable_key,
            amount=info.amount,
            currency=info.currency,
            status=info.status,
        )

    def retrieve_intent(self, *, intent_id: str) -> IntentInfo:
        with self._tx() as tx:
            return intent_info(tx.get("payment_intent", intent_id))

    def cancel_intent(self, *, intent_id: str, idempotency_key: str) -> IntentInfo:
        with self._tx() as tx:

            def cancel() -> dict[str, Any]:
                intent = tx.get("payment_intent", intent_id)
                _require_status(intent, _CANCELABLE, "cancel")
                intent.update(status="canceled", canceled_at=tx.now)
                tx.put(intent)
                self._record_event(tx, "payment_intent.canceled", intent, ref=intent_id)
                return intent

            request = {"endpoint": f"POST /v1/payment_intents/{intent_id}/cancel", "params": {}}
            return intent_info(tx.idempotent(idempotency_key, request, cancel))

    def refund(
        self,
        *,
        intent_id: str,
        amount: int | None,
        idempotency_key: str,
        reason: str | None,
    ) -> RefundInfo:
        check_refund_reason(reason)
        with self._tx() as tx:

            def create_refund() -> dict[str, Any]:
                intent = tx.get("payment_intent", intent_id)
                _require_status(intent, {"succeeded"}, "refund")
                charge = tx.get("charge", intent["latest_charge"])
                remaining = charge["amount"] - charge["amount_refunded"]
                if remaining <= 0:
                    raise PaymentRejected(
                        f"Charge {charge['id']} has already been refunded.",
                        code="charge_already_refunded",
                    )
                wanted = remaining
                if amount is not None:
                    wanted = stripe_amount_or_reject(amount, charge["currency"])
                if wanted > remaining:
                    raise PaymentRejected(
                        f"Refund amount ({wanted}) is greater than unrefunded amount on "
                        f"charge ({remaining})",
                        code="amount_too_large",
                    )
                refund = objects.new_refund(charge, wanted, reason, tx.now)
                charge["amount_refunded"] += wanted
                charge["refunded"] = charge["amount_refunded"] == charge["amount"]
                tx.put(refund)
                tx.put(charge)
                self._record_event(tx, "charge.refunded", charge, ref=refund["id"])
                return refund

            params = {"payment_intent": intent_id, "amount": amount, "reason": reason}
            request = {"endpoint": "POST /v1/refunds", "params": params}
            return refund_info(tx.idempotent(idempotency_key, request, create_refund))

    def parse_webhook(self, *, payload: bytes, signature_header: str) -> WebhookEvent:
        return verify_webhook(payload, signature_header, self._webhook_secret)

    # -- sandbox-only ---------------------------------------------------------------------

    def simulate_payment(
        self, *, intent_id: str, outcome: Literal["succeeded", "failed", "processing"]
    ) -> SignedWebhook:
        """Move the intent as the customer's payment would and return the signed event.

        ``failed`` sends the intent back to ``requires_payment_method`` with a card decline
        in ``last_payment_error``, as Stripe does; ``succeeded`` creates the charge that a
        later refund draws on.
        """
        if outcome not in _OUTCOME_EVENTS:
            raise ValueError(f"outcome must be one of {sorted(_OUTCOME_EVENTS)}, not {outcome!r}")
        with self._tx() as tx:
            intent = tx.get("payment_intent", intent_id)
            allowed = _AWAITING_PAYMENT | ({"processing"} if outcome != "processing" else set())
            _require_status(intent, allowed, "pay")
            if outcome == "succeeded":
                charge = objects.new_charge(intent, tx.now)
                tx.put(charge)
                intent.update(
                    status="succeeded",
                    amount_received=intent["amount"],
                    latest_charge=charge["id"],
                    last_payment_error=None,
                )
            elif outcome == "failed":
                intent.update(
                    status="requires_payment_method", last_payment_error=objects.CARD_DECLINED
                )
            else:
                intent.update(status="processing", last_payment_error=None)
            tx.put(intent)
            return self._record_event(tx, _OUTCOME_EVENTS[outcome], intent, ref=intent_id)

    def refund_webhook(self, *, refund_id: str) -> SignedWebhook:
        """The signed ``charge.refunded`` event that ``refund`` recorded for ``refund_id``."""
        with self._tx() as tx:
            body = tx.raw_event(ref=refund_id)
        if body is None:
            raise PaymentRejected(f"No such refund: '{refund_id}'", code="resource_missing")
        return self._sign(body)

    def resend_webhook(self, *, event_id: str) -> SignedWebhook:
        """Sign a recorded event again, byte for byte: Stripe delivers at least once."""
        with self._tx() as tx:
            body = tx.raw_event(event_id=event_id)
        if body is None:
            raise PaymentRejected(f"No such event: '{event_id}'", code="resource_missing")
        return self._sign(body)
