"""``PaymentGateway`` backed by Stripe through the official ``stripe`` SDK (16.1.x).

One ``StripeClient`` per gateway (no global ``stripe.api_key``), an explicit HTTP client so
the timeout is ours (the SDK default is 80 s), explicit ``max_network_retries``, and every
SDK exception translated through ``_ERROR_TABLE``. The SDK retries connection errors, 409
and 5xx itself, re-sending the same ``Idempotency-Key``, so its retries never duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe

from payments.base import (
    GatewayUnavailable,
    IdempotencyConflict,
    IntentInfo,
    PaymentGateway,
    PaymentGatewayError,
    PaymentRejected,
    PaymentSheet,
    RefundInfo,
    WebhookEvent,
)
from payments.stripe_shapes import (
    check_metadata,
    check_refund_reason,
    intent_info,
    refund_info,
    stripe_amount_or_reject,
)
from payments.webhooks import verify_webhook

# Ephemeral keys must be created for the API version the *mobile SDK* speaks, not the
# server's. Stripe's iOS SDK has sent 2020-08-27 for years and Stripe's PaymentSheet server
# samples used it; override per deployment if the app's SDK says otherwise.
DEFAULT_EPHEMERAL_KEY_API_VERSION = "2020-08-27"


def _unavailable_or_fatal(exc: stripe.StripeError) -> PaymentGatewayError:
    # APIError covers 5xx, 409 after the SDK's own retries, unparseable bodies (status None)
    # and odd 4xx such as 405; only the first three are worth retrying.
    status = exc.http_status
    if status is None or status == 409 or status >= 500:
        return GatewayUnavailable(
            exc.user_message or str(exc), code="api_error", http_status=status
        )
    return PaymentGatewayError(exc.user_message or str(exc), code="api_error", http_status=status)


def _stripe_code(exc: stripe.StripeError) -> str | None:
    # Only CardError/InvalidRequestError get ``code`` from the SDK; for the others (rate
    # limits, idempotency errors) Stripe's code is still in the JSON body.
    if exc.code:
        return exc.code
    body = exc.json_body
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else None


def _simple(
    cls: type[PaymentGatewayError], default_code: str
) -> Callable[[Any], PaymentGatewayError]:
    def build(exc: stripe.StripeError) -> PaymentGatewayError:
        code = _stripe_code(exc) or default_code
        return cls(exc.user_message or str(exc), code=code, http_status=exc.http_status)

    return build


# SDK exception -> our exception. First match wins, so subclasses come before StripeError.
# AuthenticationError/PermissionError are configuration faults: not retryable, and not the
# customer's fault either, hence the base class.
_ERROR_TABLE: tuple[tuple[type[stripe.StripeError], Callable[[Any], PaymentGatewayError]], ...] = (
    (stripe.IdempotencyError, _simple(IdempotencyConflict, "idempotency_error")),
    (stripe.APIConnectionError, _simple(GatewayUnavailable, "connection_error")),
    (stripe.RateLimitError, _simple(GatewayUnavailable, "rate_limited")),
    (stripe.CardError, _simple(PaymentRejected, "card_error")),
    (stripe.InvalidRequestError, _simple(PaymentRejected, "invalid_request")),
    (stripe.AuthenticationError, _simple(PaymentGatewayError, "authentication_failed")),
    (stripe.PermissionError, _simple(PaymentGatewayError, "permission_denied")),
    (stripe.APIError, _unavailable_or_fatal),
    (stripe.StripeError, _simple(PaymentGatewayError, "stripe_error")),
)


def translate_stripe_error(exc: stripe.StripeError) -> PaymentGatewayError:
    """Map one SDK exception to ours (public so that the mapping can be tested directly)."""
    for sdk_type, build in _ERROR_TABLE:
        if isinstance(exc, sdk_type):
            return build(exc)
    raise TypeError(f"not a Stripe error: {exc!r}")  # unreachable: StripeError is last


class StripeGateway(PaymentGateway):
    """Talks to Stripe (or to any server speaking its API at ``api_base``)."""

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout: float = 10,
        api_version_for_ephemeral_keys: str = DEFAULT_EPHEMERAL_KEY_API_VERSION,
    ) -> None:
        for name, value in (
            ("secret_key", secret_key),
            ("publishable_key", publishable_key),
            ("webhook_secret", webhook_secret),
            ("api_version_for_ephemeral_keys", api_version_for_ephemeral_keys),
        ):
            if not value:
                raise ValueError(f"StripeGateway needs a non-empty {name}")
        self._publishable_key = publishable_key
        self._webhook_secret = webhook_secret
        self._ekey_version = api_version_for_ephemeral_keys
        # Only pass "api" when overridden: base_addresses={"api": None} would *replace* the
        # SDK default with None and produce URLs like "None/v1/customers".
        base_addresses: dict[str, str] = {"api": api_base.rstrip("/")} if api_base else {}
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=base_addresses,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
            # StripeClient has no timeout argument; it lives on the HTTP client.
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one SDK call; return the object as a plain dict or raise our error."""
        try:
            result = method(*args, **kwargs)
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc) from exc
        # StripeObject is not a dict in SDK 16 (``.get`` raises); to_dict() gives plain data.
        return result.to_dict()

    def ensure_customer(self, *, account_ref: str, email: str | None, idempotency_key: str) -> str:
        params: dict[str, Any] = {"metadata": {"account_ref": account_ref}}
        if email:
            params["email"] = email
        customer = self._call(
            self._client.v1.customers.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return customer["id"]

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
        params: dict[str, Any] = {
            "amount": stripe_amount_or_reject(amount, currency),
            "currency": currency.lower(),
            "customer": customer_id,
            "automatic_payment_methods": {"enabled": True},
            "metadata": check_metadata(metadata),
        }
        if description:
            params["description"] = description
        # The intent first: it is the object that must never be duplicated. If the ephemeral
        # key then fails, a retry with the same key replays the intent and creates the key.
        intent = self._call(
            self._client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": f"{idempotency_key}:intent"},
        )
        ekey = self._call(
            self._client.v1.ephemeral_keys.create,
            params={"customer": customer_id},
            options={
                "idempotency_key": f"{idempotency_key}:ekey",
                "stripe_version": self._ekey_version,
            },
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
        return intent_info(self._call(self._client.v1.payment_intents.retrieve, intent_id))

    def cancel_intent(self, *, intent_id: str, idempotency_key: str) -> IntentInfo:
        intent = self._call(
            self._client.v1.payment_intents.cancel,
            intent_id,
            options={"idempotency_key": idempotency_key},
        )
        return intent_info(intent)

    def refund(
        self,
        *,
        intent_id: str,
        amount: int | None,
        idempotency_key: str,
        reason: str | None,
    ) -> RefundInfo:
        check_refund_reason(reason)
        params: dict[str, Any] = {"payment_intent": intent_id}
        if amount is not None:
            # The conversion to Stripe units depends on the currency, which only the intent
            # knows; one extra GET is cheaper than widening the interface.
            currency = self.retrieve_intent(intent_id=intent_id).currency
            params["amount"] = stripe_amount_or_reject(amount, currency)
        if reason:
            params["reason"] = reason
        refund = self._call(
            self._client.v1.refunds.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return refund_info(refund)

    def parse_webhook(self, *, payload: bytes, signature_header: str) -> WebhookEvent:
        return verify_webhook(payload, signature_header, self._webhook_secret)
