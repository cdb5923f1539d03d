"""Many concurrent taps on "pay" for one application, over real HTTP, on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from services.core.db import db
from services.models import Payment, PaymentCustomer
from tests.services.payments.payment_support import fake_stripe, owned_application

TAPS = 20


@pytest.mark.postgres
def test_concurrent_double_taps_make_one_payment_and_one_intent(app, make, live_server):
    owned = owned_application(app, make)
    barrier = threading.Barrier(TAPS)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def tap() -> None:
        barrier.wait()
        response = requests.post(
            f"{live_server}/api/v1/payments",
            json={"application_id": owned.application_id},
            headers=owned.headers,
            timeout=60,
        )
        with lock:
            answers.append((response.status_code, response.json()))

    with fake_stripe(app, max_network_retries=2) as fake:
        threads = [threading.Thread(target=tap) for _ in range(TAPS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

        assert [status for status, _ in answers] == [200] * TAPS, answers
        assert (
            len({(body["id"], body["intent_id"], body["client_secret"]) for _, body in answers})
            == 1
        )
        assert len(fake.intents) == 1
        assert len(fake.customers) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
        assert db.session.scalar(select(func.count()).select_from(PaymentCustomer)) == 1
