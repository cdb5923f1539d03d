"""Fixtures of the fault tests that live in helper modules."""

from tests.api.appointment_support import desk, frozen  # noqa: F401  (fixtures)
