"""Vendors that answer too late: Stripe and FCM slower than our client timeouts.

A timeout is the ambiguous failure: the request may have done its work at the vendor
after we stopped waiting. These tests drive the real SDKs against the loopback fakes with
small timeouts (configured as in production: ``STRIPE_TIMEOUT_SECONDS`` with the SDK's own
retries, the FCM sender's ``timeout``) and check counts on both sides:

- Stripe, paying: the citizen gets a clean 503 ``payment_gateway_unavailable`` with
  Retry-After, whichever call timed out (customer, intent, ephemeral key), even though
  the abandoned request created the object at Stripe; a retry (same or fresh
  Idempotency-Key) answers 200 with one payment row, one customer and ONE intent,
  because every call is repeated with the same Stripe idempotency key.
- Stripe, refunding and re-reading for a webhook: the abandoned refund is not made twice;
  a webhook whose re-read fails is not remembered, so Stripe's redelivery applies it once.
- FCM: a drain during the outage leaves every delivery pending with a retry time (not
  dead, not sent); once FCM answers again and the retry time has passed, each delivery
  is sent exactly once per device, none lost. When FCM had in fact accepted the late
  requests, the resend is one more copy per device with the same ``notification_id`` (the
  app drops it): at least once, never lost.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import func, select, update

from payments import build_payment_gateway
from push.fcm import FcmPushSender
from services.core.db import db, unit_of_work
from services.models import Account, Delivery, Payment, PaymentCustomer
from services.models.types import utcnow
from services.notifications.notifications import notify, register_device
from services.notifications.push_delivery import drain
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer
from tests.fakes.fake_stripe import FakeStripeServer
from tests.push.support import PROJECT, no_backoff
from tests.services.payments.payment_support import (
    WEBHOOK_SECRET,
    deliver,
    event_body,
    gateway_swapped,
    intent_event,
    owned_application,
    pay,
    payment_row,
    refunds_of,
    templates_sent,
)

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")

# --- Stripe ----------------------------------------------------------------------------
# A second: far beyond a loopback answer even on a busy machine, so only the calls the fake
# delays on purpose time out.
STRIPE_TIMEOUT = 1.0  # seconds: the gateway's client timeout in these tests
STRIPE_RETRIES = 2  # the SDK's own retries, as in production
STRIPE_ATTEMPTS = 1 + STRIPE_RETRIES
STRIPE_DELAY = 2.5  # the fake answers this late: every attempt times out


@pytest.fixture
def stripe_fake(app, monkeypatch):
    """The app's gateway built from settings (as in production) against a fake Stripe."""
    # The SDK sleeps at least 0.5 s between its retries; keep the count, drop the wait.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.02)
    with FakeStripeServer() as fake:
        gateway = build_payment_gateway(
            {
                "PAYMENTS_BACKEND": "stripe",
                "STRIPE_SECRET_KEY": "sk_test_fake",
                "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_API_BASE": fake.url,
                "STRIPE_TIMEOUT_SECONDS": STRIPE_TIMEOUT,
                "STRIPE_MAX_NETWORK_RETRIES": STRIPE_RETRIES,
            }
        )
        with gateway_swapped(app, gateway):
            yield fake


def _time_out(fake: FakeStripeServer, calls_before: int) -> None:
    """Let ``calls_before`` requests through, then make every attempt of the next call late."""
    fake.delay_next(calls_before, seconds=0)
    fake.delay_next(STRIPE_ATTEMPTS, seconds=STRIPE_DELAY)


def _let_abandoned_requests_finish(fake: FakeStripeServer) -> None:
    # The fake still does the work of a request after its client gave up, as Stripe may.
    fake.wait_idle()


def _assert_clean_503(response) -> None:
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"] == "payment_gateway_unavailable"
    assert int(response.headers["Retry-After"]) > 0


# The calls of a first payment, in order: the Stripe customer, the intent, the ephemeral key.
PAYMENT_CALLS = ["/v1/customers", "/v1/payment_intents", "/v1/ephemeral_keys"]


@pytest.mark.parametrize("slow_call", PAYMENT_CALLS)
def test_stripe_timing_out_is_a_503_and_the_retries_make_one_intent(
    app, client, make, stripe_fake, slow_call
):
    fake = stripe_fake
    owned = owned_application(app, make, fee="60")
    _time_out(fake, PAYMENT_CALLS.index(slow_call))
    started = time.monotonic()
    down = pay(client, owned, **{"Idempotency-Key": "tap-1"})
    _assert_clean_503(down)
    assert time.monotonic() - started < STRIPE_DELAY * STRIPE_ATTEMPTS  # we did not wait it out
    attempts = fake.requests_to("POST", slow_call)
    assert len(attempts) == STRIPE_ATTEMPTS  # the SDK retried, with one idempotency key
    assert len({r.headers["idempotency-key"] for r in attempts}) == 1

    _let_abandoned_requests_finish(fake)
    if slow_call != "/v1/ephemeral_keys":
        # The abandoned request did create its object at Stripe.
        created = fake.customers if slow_call == "/v1/customers" else fake.intents
        assert len(created) == 1

    fresh = pay(client, owned, **{"Idempotency-Key": "tap-2"})
    same = pay(client, owned, **{"Idempotency-Key": "tap-1"})
    assert fresh.status_code == same.status_code == 200, (fresh.get_json(), same.get_json())
    sheet = fresh.get_json()
    assert same.get_json() == sheet  # the same payment, intent and secrets
    assert sheet["status"] == "requires_payment"

    # ONE intent and one customer at Stripe, whatever timed out.
    assert list(fake.intents) == [sheet["intent_id"]]
    assert list(fake.customers) == [sheet["customer_id"]]
    key = payment_row(app, sheet["id"]).gateway_key
    intent_keys = {r.headers["idempotency-key"] for r in fake.requests_to("POST", PAYMENT_CALLS[1])}
    assert intent_keys == {f"{key}:intent"}
    # One payment row, holding that intent; one customer row, holding that customer.
    with app.app_context():
        payments = db.session.execute(
            select(Payment.id, Payment.status, Payment.intent_id).where(
                Payment.application_id == owned.application_id
            )
        ).all()
        customers = db.session.scalars(select(PaymentCustomer.customer_id)).all()
    assert [tuple(p) for p in payments] == [(sheet["id"], "requires_payment", sheet["intent_id"])]
    assert customers == [sheet["customer_id"]]


def _paid(app, client, make, fake):
    owned = owned_application(app, make, fee="60")
    body = pay(client, owned).get_json()
    fake.set_intent_status(body["intent_id"], "succeeded")
    event = intent_event(fake, "payment_intent.succeeded", body["intent_id"])
    assert deliver(client, event).get_json()["duplicate"] is False
    assert payment_row(app, body["id"]).status == "succeeded"
    return owned, body


def test_a_refund_that_timed_out_is_made_once(app, client, make, stripe_fake):
    fake = stripe_fake
    owned, body = _paid(app, client, make, fake)
    officer = make.auth(owned.officer)

    def refund(key: str):
        return client.post(
            f"/api/v1/staff/payments/{body['id']}/refunds",
            json={"reason": "requested by the applicant", "amount": 1000},
            headers={**officer, "Idempotency-Key": key},
        )

    _time_out(fake, 1)  # the adapter reads the intent's currency, then the refund times out
    _assert_clean_503(refund("r-1"))
    [pending] = refunds_of(app, body["id"])
    assert (pending.status, pending.gateway_refund_id) == ("pending", None)
    _let_abandoned_requests_finish(fake)
    assert len(fake.refunds) == 1  # Stripe made it after we stopped waiting

    again = refund("r-1")
    assert again.status_code == 201, again.get_json()
    assert (again.get_json()["id"], again.get_json()["status"]) == (pending.id, "succeeded")
    [stripe_refund] = fake.refunds.values()
    assert stripe_refund["amount"] == 1000
    keys = {r.headers["idempotency-key"] for r in fake.requests_to("POST", "/v1/refunds")}
    assert keys == {pending.gateway_idempotency_key}
    # Stripe's own news of the refund does not count it a second time.
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": body["intent_id"],
        "currency": "eur",
        "amount_refunded": 1000,
        "refunds": {"data": [{**stripe_refund, "status": "succeeded"}]},
    }
    assert deliver(client, event_body("charge.refunded", charge)).status_code == 200
    payment = payment_row(app, body["id"])
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 1000)
    assert [r.id for r in refunds_of(app, body["id"])] == [pending.id]
    assert templates_sent(app, owned.citizen.id).count("payment_refunded") == 1


def test_a_webhook_whose_re_read_fails_is_applied_once_on_redelivery(
    app, client, make, stripe_fake
):
    fake = stripe_fake
    owned = owned_application(app, make, fee="60")
    body = pay(client, owned).get_json()
    fake.set_intent_status(body["intent_id"], "succeeded")
    payload = intent_event(fake, "payment_intent.succeeded", body["intent_id"])

    fake.drop_next(STRIPE_ATTEMPTS)  # the re-read: every attempt loses its connection
    _assert_clean_503(deliver(client, payload))  # not 2xx: Stripe delivers it again
    assert payment_row(app, body["id"]).status == "requires_payment"
    fake.fail_next(STRIPE_ATTEMPTS, status=500)  # the next delivery meets 500s
    _assert_clean_503(deliver(client, payload))

    deliveries = [deliver(client, payload).get_json() for _ in range(2)]
    assert [d["duplicate"] for d in deliveries] == [False, True]
    assert payment_row(app, body["id"]).status == "succeeded"
    assert templates_sent(app, owned.citizen.id).count("payment_succeeded") == 1


# --- FCM -------------------------------------------------------------------------------
FCM_TIMEOUT = 1.0  # seconds: the FCM sender's HTTP timeout (FCM_TIMEOUT in settings)
FCM_DELAY = 2.5  # the fake answers this late while it is "down"
_sender_names = itertools.count()


@pytest.fixture
def fcm_swap(app, monkeypatch):
    """Returns a function that swaps the app's push sender for FCM (real SDK) pointed at a
    slow fake; notifications are not pushed on commit, so they wait for ``drain()``."""
    no_backoff(monkeypatch)
    monkeypatch.setattr("services.notifications.notifications._schedule_push", lambda _id: None)
    opened: list[tuple[FakeFcmServer, FcmPushSender]] = []
    previous = app.extensions.get("palm_push_sender")

    def swap(*, accept_abandoned: bool) -> FakeFcmServer:
        fake = FakeFcmServer(delay=FCM_DELAY, accept_abandoned=accept_abandoned).__enter__()
        sender = FcmPushSender(
            project_id=PROJECT,
            credential=FakeCredential(),
            endpoint=fake.url,
            app_name=f"faults-fcm-{next(_sender_names)}",
            timeout=FCM_TIMEOUT,
        )
        opened.append((fake, sender))
        app.extensions["palm_push_sender"] = sender
        return fake

    yield swap
    for fake, sender in opened:
        sender.close()
        fake.__exit__(None, None, None)
    if previous is None:
        app.extensions.pop("palm_push_sender", None)
    else:
        app.extensions["palm_push_sender"] = previous


def _pending_notifications(app, make, *, accounts: int = 3, devices: int = 2, each: int = 2):
    """Notifications waiting in the outbox: the (notification id, token) pairs expected."""
    expected = set()
    with app.app_context():
        for a in range(accounts):
            citizen = make.citizen()
            account = db.session.get(Account, citizen.id)
            tokens = [f"slow-{a}-{d}-" + "t" * 30 for d in range(devices)]
            for token in tokens:
                register_device(
                    account, token=token, platform="android", locale="en", app_version=None
                )
            for _ in range(each):
                with unit_of_work():
                    notification = notify(citizen.id, "status_change", "test_message")
                expected |= {(str(notification.id), token) for token in tokens}
        assert Counter(db.session.scalars(select(Delivery.status))) == {"pending": len(expected)}
    return expected


def _pairs(fake: FakeFcmServer) -> Counter:
    return Counter((m["data"]["notification_id"], m["token"]) for m in fake.sent_messages())


def _outage_then_recovery(app, fake: FakeFcmServer, expected: set) -> tuple[Counter, Counter]:
    """Drain during the outage, check the outbox, recover, let the retry time pass, drain.
    Returns what FCM had accepted after the outage and after the recovery."""
    total = len(expected)
    with app.app_context():
        started = time.monotonic()
        report = drain()
        took = time.monotonic() - started
        assert (report.claimed, report.retrying, report.sent, report.dead) == (total, total, 0, 0)
        assert took < 5  # bounded by our timeout, not the SDK's default of minutes
        now = utcnow()
        db.session.expire_all()  # read what the database holds
        rows = db.session.scalars(select(Delivery)).all()
        assert {d.status for d in rows} == {"pending"}  # not dead, not sent
        assert {d.attempts for d in rows} == {1}
        assert all(d.sent_at is None and d.message_id is None for d in rows)
        assert all(d.claimed_until is None for d in rows)  # the leases were given back
        assert all(d.last_error.startswith("UNAVAILABLE") for d in rows), rows[0].last_error
        # Retried later, with the configured back-off (30 s first), not at once.
        assert all(now + timedelta(seconds=20) < d.next_attempt_at for d in rows)
        assert drain().claimed == 0  # nothing is due before its retry time

        fake.wait_idle()  # the late requests at the fake finish one way or the other
        during = _pairs(fake)

        fake.delay = 0  # FCM recovers ...
        db.session.execute(  # ... and the retry time passes
            update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        report = drain()
        assert (report.claimed, report.sent, report.retrying, report.dead) == (total, total, 0, 0)
        assert drain().claimed == 0
        db.session.expire_all()
        rows = db.session.scalars(select(Delivery)).all()
        assert {(d.status, d.attempts) for d in rows} == {("sent", 2)}
        assert len({d.message_id for d in rows}) == total
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == total
    return during, _pairs(fake)


def test_fcm_timing_out_keeps_deliveries_and_sends_each_once_after_recovery(app, make, fcm_swap):
    """FCM never got to the requests we gave up on: exactly one push per delivery."""
    fake = fcm_swap(accept_abandoned=False)
    expected = _pending_notifications(app, make)
    during, after = _outage_then_recovery(app, fake, expected)
    assert during == Counter()
    # Every request of the outage reached the fake and was abandoned by our client.
    assert len(fake.requests) >= len(expected)
    assert {r.status for r in fake.requests if r.status != 200} == {499}
    assert after == Counter(dict.fromkeys(expected, 1))  # exactly once per device, none lost


def test_fcm_accepting_late_requests_means_one_resend_with_the_same_notification_id(
    app, make, fcm_swap
):
    """FCM did deliver the requests we gave up on: the outbox cannot know, so it resends
    once after recovery; every copy carries the notification id the app deduplicates on."""
    fake = fcm_swap(accept_abandoned=True)
    expected = _pending_notifications(app, make)
    during, after = _outage_then_recovery(app, fake, expected)
    assert set(during) == expected  # each reached FCM late (the SDK may have sent it twice)
    assert after - during == Counter(dict.fromkeys(expected, 1))  # one resend each, no more
    assert set(after) == expected  # nothing lost, nothing for anyone else
