"""build_payment_gateway picks and configures the backend from settings."""

from __future__ import annotations

import pytest

from payments import SandboxGateway, StripeGateway, build_payment_gateway, sign_webhook_payload


def test_sandbox_backend(tmp_path) -> None:
    gateway = build_payment_gateway(
        {
            "PAYMENTS_BACKEND": "sandbox",
            "SANDBOX_PAYMENTS_DB": str(tmp_path / "pay.sqlite3"),
            "STRIPE_WEBHOOK_SECRET": "whsec_dev",
        }
    )
    assert isinstance(gateway, SandboxGateway)
    customer = gateway.ensure_customer(account_ref="a", email=None, idempotency_key="k")
    assert customer.startswith("cus_")
    assert (tmp_path / "pay.sqlite3").exists()
    # The configured secret is the one it verifies with.
    payload = b'{"id": "evt_1", "type": "x", "created": 1, "data": {"object": {}}}'
    header = sign_webhook_payload(payload, "whsec_dev")
    assert gateway.parse_webhook(payload=payload, signature_header=header).id == "evt_1"


def test_sandbox_needs_a_database_path() -> None:
    with pytest.raises(ValueError, match="SANDBOX_PAYMENTS_DB"):
        build_payment_gateway({"PAYMENTS_BACKEND": "sandbox"})


def test_stripe_backend() -> None:
    gateway = build_payment_gateway(
        {
            "PAYMENTS_BACKEND": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "STRIPE_API_BASE": "http://127.0.0.1:9",
        }
    )
    assert isinstance(gateway, StripeGateway)
    assert gateway._client._requestor._options.base_addresses["api"] == "http://127.0.0.1:9"


def test_stripe_backend_names_missing_settings() -> None:
    with pytest.raises(ValueError, match="STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET"):
        build_payment_gateway({"PAYMENTS_BACKEND": "stripe", "STRIPE_SECRET_KEY": "sk_test_x"})


@pytest.mark.parametrize("backend", [None, "", "paypal", "Stripe"])
def test_unknown_backend(backend: str | None) -> None:
    with pytest.raises(ValueError, match="unknown PAYMENTS_BACKEND.*sandbox, stripe"):
        build_payment_gateway({"PAYMENTS_BACKEND": backend})
