"""Fixtures of the fault tests that live in helper modules."""

from tests.services.appointments.appointment_support import desk, frozen  # noqa: F401  (fixtures)
