"""Shared helpers for the StripeGateway tests (plain functions, not fixtures)."""

from __future__ import annotations

from payments import PaymentSheet, StripeGateway
from tests.fakes.fake_stripe import FakeStripeServer

SECRET_KEY = "sk_test_fake"


def make_gateway(fake: FakeStripeServer, **overrides: object) -> StripeGateway:
    options: dict[str, object] = {
        "secret_key": SECRET_KEY,
        "publishable_key": "pk_test_fake",
        "webhook_secret": "whsec_test",
        "api_base": fake.url,
        "max_network_retries": 0,  # most tests: no SDK back-off sleeps
        "timeout": 5,
    }
    options.update(overrides)
    return StripeGateway(**options)  # type: ignore[arg-type]


def sheet(
    gateway: StripeGateway, customer_id: str, key: str = "payment:1", **kw: object
) -> PaymentSheet:
    args: dict[str, object] = {
        "customer_id": customer_id,
        "amount": 1050,
        "currency": "EUR",
        "metadata": {"application_id": "app-7"},
        "idempotency_key": key,
    }
    args.update(kw)
    return gateway.create_payment_sheet(**args)  # type: ignore[arg-type]
