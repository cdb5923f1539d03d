"""Fixtures of the API tests that live in helper modules."""

from tests.services.appointments.appointment_support import desk, frozen  # noqa: F401  (fixtures)
from tests.services.payments.payment_support import fake  # noqa: F401  (fixture)
