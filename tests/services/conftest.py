"""Fixtures shared by the domain tests that live in helper modules."""

from tests.services.applications.lookup_support import application  # noqa: F401  (fixture)
from tests.services.appointments.appointment_support import desk, frozen  # noqa: F401  (fixtures)
from tests.services.payments.payment_support import fake  # noqa: F401  (fixture)
