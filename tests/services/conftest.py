"""Fixtures of the service tests that live in helper modules."""

from tests.api.payment_support import fake  # noqa: F401  (fixture)
