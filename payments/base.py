"""The payment gateway contract: our own value objects, errors and the abstract gateway.

Services depend on this module only. Adapters (``stripe_gateway``, ``sandbox``) translate
vendor objects and exceptions into what is defined here, so no SDK type ever crosses the
boundary and a service can be tested against the sandbox without knowing about Stripe.

Money is always an ``int`` in the currency's ISO 4217 minor unit plus an upper-case ISO 4217
code (see ``payments.currency``); converting to Stripe's own amount conventions is the
adapter's job.
"""

from __future__ import annotations

import abc
import functools
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

# Stripe's PaymentIntent status vocabulary, kept verbatim so that webhook handlers and
# ``retrieve_intent`` speak the same language.
IntentStatus = Literal[
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]
INTENT_STATUSES: frozenset[str] = frozenset(IntentStatus.__args__)  # type: ignore[attr-defined]

# The only refund reasons Stripe accepts; anything else is a 400 there, so we refuse early.
REFUND_REASONS: frozenset[str] = frozenset({"duplicate", "fraudulent", "requested_by_customer"})


@dataclass(frozen=True, slots=True)
class PaymentSheet:
    """Everything the mobile PaymentSheet needs to collect a payment."""

    intent_id: str
    client_secret: str
    customer_id: str
    ephemeral_key_secret: str
    publishable_key: str
    amount: int  # ISO 4217 minor units of ``currency``
    currency: str  # upper-case ISO 4217
    status: str


@dataclass(frozen=True, slots=True)
class IntentInfo:
    """A PaymentIntent as our services see it (amounts in ISO minor units)."""

    id: str
    amount: int
    currency: str
    status: str
    metadata: dict[str, str]
    amount_received: int


@dataclass(frozen=True, slots=True)
class RefundInfo:
    """A refund (status: pending, requires_action, succeeded, failed or canceled)."""

    id: str
    intent_id: str
    amount: int
    currency: str
    status: str


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook event.

    ``data_object`` is the event's ``data.object`` exactly as Stripe sent it: amounts in it
    follow Stripe's conventions (``payments.currency.from_stripe_amount`` converts them), and
    since delivery is unordered, handlers that care about the latest state should call
    ``retrieve_intent`` rather than trust a possibly stale snapshot.
    """

    id: str
    type: str
    created: int
    data_object: dict[str, Any]
    livemode: bool


class PaymentGatewayError(Exception):
    """Base of every error a gateway raises.

    ``retryable`` tells the caller (usually a Celery task) whether the very same call, with
    the same idempotency key, may succeed later. ``code`` is a stable machine-readable
    string: Stripe's own error code when there is one (``card_declined``,
    ``resource_missing``, ...), otherwise one of ours.
    """

    default_code: ClassVar[str] = "gateway_error"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retryable: bool | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.retryable = self.default_retryable if retryable is None else retryable
        self.http_status = http_status

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling; Celery pickles errors.
        rebuild = functools.partial(
            type(self),
            self.message,
            code=self.code,
            retryable=self.retryable,
            http_status=self.http_status,
        )
        return (rebuild, ())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, retryable={self.retryable})"


class GatewayUnavailable(PaymentGatewayError):
    """Transient: connection error, timeout, 5xx, rate limit. Retry with the same key."""

    default_code = "gateway_unavailable"
    default_retryable = True


class PaymentRejected(PaymentGatewayError):
    """Permanent for these parameters: invalid request, unknown object, card declined."""

    default_code = "payment_rejected"


class IdempotencyConflict(PaymentGatewayError):
    """The idempotency key was already used with different parameters (a bug on our side)."""

    default_code = "idempotency_conflict"


class InvalidWebhook(PaymentGatewayError):
    """Bad signature, stale timestamp or malformed body: answer 400 and do nothing."""

    default_code = "invalid_webhook"


class PaymentGateway(abc.ABC):
    """What the services need from a payment provider.

    Every mutating call takes an ``idempotency_key`` chosen by the caller and derived from
    something durable (e.g. ``f"payment:{payment.id}"``): repeating a call with the same key
    and the same arguments returns the original result instead of acting twice; the same key
    with different arguments raises ``IdempotencyConflict``. Keys are remembered for 24 hours.
    """

    @abc.abstractmethod
    def ensure_customer(self, *, account_ref: str, email: str | None, idempotency_key: str) -> str:
        """Create the provider-side customer for ``account_ref`` and return its id.

        Idempotent per key only: callers persist the returned id on the account and call this
        again only while they have none.
        """

    @abc.abstractmethod
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
        """Create a PaymentIntent (automatic payment methods) and an ephemeral key.

        Uses ``f"{idempotency_key}:intent"`` and ``f"{idempotency_key}:ekey"`` so that a double
        tap cannot create two intents.
        """

    @abc.abstractmethod
    def retrieve_intent(self, *, intent_id: str) -> IntentInfo:
        """Return the current state of a PaymentIntent."""

    @abc.abstractmethod
    def cancel_intent(self, *, intent_id: str, idempotency_key: str) -> IntentInfo:
        """Cancel a PaymentIntent that has not succeeded."""

    @abc.abstractmethod
    def refund(
        self,
        *,
        intent_id: str,
        amount: int | None,
        idempotency_key: str,
        reason: str | None,
    ) -> RefundInfo:
        """Refund ``amount`` minor units (everything left when ``None``) of a succeeded intent."""

    @abc.abstractmethod
    def parse_webhook(self, *, payload: bytes, signature_header: str) -> WebhookEvent:
        """Verify ``Stripe-Signature`` on the raw request body and parse the event.

        Raises ``InvalidWebhook`` (codes ``bad_signature``, ``stale_timestamp``,
        ``bad_payload``).
        """
