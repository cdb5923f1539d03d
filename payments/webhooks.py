"""Signing and verifying Stripe webhooks, shared by the Stripe adapter and the sandbox.

Verification always goes through the SDK's own ``stripe.Webhook.construct_event`` so the
sandbox exercises exactly the production code path. Signing is a small independent
implementation of Stripe's scheme (``t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">``); the
tests check it against the SDK's ``WebhookSignature.generate_signature_header``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import stripe

from payments.base import InvalidWebhook, WebhookEvent

# Stripe's default and recommended tolerance. It only rejects *old* timestamps (replays of
# captured requests); the signature itself already proves the sender knew the secret.
DEFAULT_TOLERANCE_SECONDS = 300


def sign_webhook_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header value for ``payload`` signed with ``secret``."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    signed = str(ts).encode("ascii") + b"." + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def verify_webhook(
    payload: bytes,
    signature_header: str,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> WebhookEvent:
    """Verify and parse a webhook body, raising ``InvalidWebhook`` on any problem."""
    if not isinstance(payload, bytes | bytearray):
        # A str has already been decoded (and maybe re-encoded) by someone: the signature is
        # over the raw bytes, so insist on them (Flask: ``request.get_data()``).
        raise TypeError("payload must be the raw request body as bytes")
    try:
        stripe.Webhook.construct_event(bytes(payload), signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        # The SDK has one exception for both cases; its message is the only discriminator.
        # tests/payments/test_webhooks.py pins this so an SDK upgrade cannot silently break it.
        stale = "tolerance" in str(exc).lower()
        raise InvalidWebhook(
            "webhook timestamp too old" if stale else "webhook signature mismatch",
            code="stale_timestamp" if stale else "bad_signature",
        ) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        # UnicodeDecodeError / JSONDecodeError are ValueErrors; a JSON array or scalar body
        # makes the SDK fail with AttributeError.
        raise InvalidWebhook(f"webhook body is not an event: {exc}", code="bad_payload") from exc

    # Parse the raw JSON ourselves rather than converting the SDK's Event back to a dict:
    # handlers get exactly what Stripe sent, with no SDK coercions.
    body = json.loads(payload)
    data = body.get("data")
    data_object = data.get("object") if isinstance(data, dict) else None
    event_id, event_type, created = body.get("id"), body.get("type"), body.get("created")
    if (
        not isinstance(event_id, str)
        or not isinstance(event_type, str)
        or not isinstance(created, int)
        or not isinstance(data_object, dict)
    ):
        raise InvalidWebhook("webhook event lacks id/type/created/data.object", code="bad_payload")
    return WebhookEvent(
        id=event_id,
        type=event_type,
        created=created,
        data_object=data_object,
        livemode=bool(body.get("livemode", False)),
    )
