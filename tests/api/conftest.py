"""Fixtures of the API tests that live in helper modules."""

import pytest

from tests.services.applications.lookup_support import application  # noqa: F401  (fixture)
from tests.services.appointments.appointment_support import desk, frozen  # noqa: F401  (fixtures)
from tests.services.payments.payment_support import fake  # noqa: F401  (fixture)


@pytest.fixture
def round_trips(monkeypatch):
    """Commands the test's own thread sends to Redis (a pipeline or a script call is one).
    Other threads' commands (a seat gate's listener running in the background, say) are
    not the request's."""
    import threading

    from redis.connection import AbstractConnection

    sent: list[int] = []
    original = AbstractConnection.send_packed_command
    mine = threading.get_ident()

    def counting(self, command, check_health=True):
        if threading.get_ident() == mine:
            sent.append(1)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent
