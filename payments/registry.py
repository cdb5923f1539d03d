"""Build the configured ``PaymentGateway`` from Flask-style settings.

``PAYMENTS_BACKEND``:

- ``"sandbox"`` (embedded default): ``SANDBOX_PAYMENTS_DB`` (a file path, typically in the
  Flask instance folder, or ``":memory:"`` for a single-process test) and
  ``STRIPE_WEBHOOK_SECRET`` (optional: a fixed development secret is used when absent,
  since the sandbox both signs and verifies its own webhooks).
- ``"stripe"``: ``STRIPE_SECRET_KEY``, ``STRIPE_PUBLISHABLE_KEY``, ``STRIPE_WEBHOOK_SECRET``;
  optional ``STRIPE_API_BASE``, ``STRIPE_MAX_NETWORK_RETRIES`` (2), ``STRIPE_TIMEOUT_SECONDS``
  (10) and ``STRIPE_EPHEMERAL_KEY_API_VERSION``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import PaymentGateway
from payments.sandbox import SandboxGateway
from payments.stripe_gateway import DEFAULT_EPHEMERAL_KEY_API_VERSION, StripeGateway

BACKENDS = ("sandbox", "stripe")

# Not a secret: only the sandbox uses it, to sign webhooks it then verifies itself.
SANDBOX_DEFAULT_WEBHOOK_SECRET = "whsec_sandbox_development_only"  # noqa: S105


def _required(settings: Mapping[str, Any], *names: str) -> list[str]:
    missing = [name for name in names if not settings.get(name)]
    if missing:
        backend = settings.get("PAYMENTS_BACKEND")
        raise ValueError(f"PAYMENTS_BACKEND={backend!r} needs setting(s): {', '.join(missing)}")
    return [str(settings[name]) for name in names]


def build_payment_gateway(settings: Mapping[str, Any]) -> PaymentGateway:
    """Return the gateway selected by ``settings["PAYMENTS_BACKEND"]``."""
    backend = settings.get("PAYMENTS_BACKEND")
    if backend == "sandbox":
        (db_path,) = _required(settings, "SANDBOX_PAYMENTS_DB")
        return SandboxGateway(
            db_path=db_path,
            webhook_secret=settings.get("STRIPE_WEBHOOK_SECRET") or SANDBOX_DEFAULT_WEBHOOK_SECRET,
        )
    if backend == "stripe":
        secret, publishable, webhook_secret = _required(
            settings, "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"
        )
        return StripeGateway(
            secret_key=secret,
            publishable_key=publishable,
            webhook_secret=webhook_secret,
            api_base=settings.get("STRIPE_API_BASE") or None,
            max_network_retries=int(settings.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
            timeout=float(settings.get("STRIPE_TIMEOUT_SECONDS", 10)),
            api_version_for_ephemeral_keys=settings.get("STRIPE_EPHEMERAL_KEY_API_VERSION")
            or DEFAULT_EPHEMERAL_KEY_API_VERSION,
        )
    raise ValueError(f"unknown PAYMENTS_BACKEND {backend!r}: expected one of {', '.join(BACKENDS)}")
