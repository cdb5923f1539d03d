"""Fixtures of the API tests that live in helper modules."""

from tests.api.appointment_support import desk, frozen  # noqa: F401  (fixtures)
from tests.api.payment_support import fake  # noqa: F401  (fixture)
