"""The push sender keeps as many messages in flight as FCM's round trip needs
(``push.inflight``): few when FCM answers at once, the ceiling when it is far away."""

from __future__ import annotations

import math
import threading

import certifi
import pytest
from firebase_admin import messaging
from urllib3 import exceptions as urllib3_errors
from urllib3.util import Timeout

from push.curl_transport import CurlTransport
from push.fcm import FcmPushSender
from push.inflight import InFlightSizer
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer
from tests.push.support import PROJECT, fcm_sender, msg, no_backoff

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


# -- the sizer's arithmetic --------------------------------------------------------------


def test_the_ceiling_until_a_batch_is_measured():
    assert InFlightSizer(64).limit == 64


@pytest.mark.parametrize(
    ("cpu_per_message", "quickest", "expected"),
    [
        (0.0004, 0.0002, 4),  # answers at once: (0.4 + 0.2) / 0.4 * 2 = 3, the floor is 4
        (0.0005, 0.0025, 12),  # 3 ms round trip: (0.5 + 2.5) / 0.5 * 2 = 12
        (0.0005, 0.030, 64),  # FCM over the internet: 122, held at the ceiling
    ],
)
def test_twice_the_threads_that_keep_one_gil_busy(cpu_per_message, quickest, expected):
    sizer = InFlightSizer(64)
    sizer.record(messages=500, cpu_seconds=500 * cpu_per_message, quickest_answer=quickest)
    assert sizer.limit == expected


def test_the_running_ratio_weighs_the_latest_batch_by_half():
    sizer = InFlightSizer(200)
    sizer.record(messages=100, cpu_seconds=0.1, quickest_answer=0.009)  # ratio 10
    assert sizer.limit == 20
    sizer.record(messages=100, cpu_seconds=0.1, quickest_answer=0.029)  # ratio 30
    assert sizer.limit == 40  # (10 + 30) / 2 * 2
    for _ in range(20):
        sizer.record(messages=100, cpu_seconds=0.1, quickest_answer=0.029)
    assert sizer.limit == 60


@pytest.mark.parametrize(
    "batch",
    [
        {"messages": 0, "cpu_seconds": 0.1, "quickest_answer": 0.001},
        {"messages": 10, "cpu_seconds": 0.0, "quickest_answer": 0.001},
        {"messages": 10, "cpu_seconds": 0.1, "quickest_answer": math.inf},  # no answer came
        {"messages": 10, "cpu_seconds": 0.1, "quickest_answer": -0.001},
    ],
)
def test_a_batch_that_measured_nothing_leaves_the_limit(batch):
    sizer = InFlightSizer(64)
    sizer.record(messages=500, cpu_seconds=0.2, quickest_answer=0.002)  # ratio 6: 12
    sizer.record(**batch)
    assert sizer.limit == 12


def test_the_floor_never_exceeds_the_ceiling():
    sizer = InFlightSizer(2)
    sizer.record(messages=500, cpu_seconds=0.2, quickest_answer=0.0)
    assert sizer.limit == 2
    with pytest.raises(ValueError):
        InFlightSizer(0)


# -- the answer times libcurl measures ----------------------------------------------------


def test_the_transport_times_each_answer_from_the_request_to_its_first_byte():
    transport = CurlTransport(certifi.where())
    with FakeFcmServer(delay=0.15) as fcm:
        url = f"{fcm.url}/v1/projects/{PROJECT}/messages:send"
        body = b'{"message": {"token": "tok-a"}}'
        headers = {"Content-Type": "application/json"}
        answers = transport.measure()
        for _ in range(2):
            transport.request("POST", url, body, headers, Timeout(connect=5, read=5))
        assert answers.count == 2
        assert 0.15 <= answers.fastest < 5

        fcm.delay = 0
        again = transport.measure()  # a new measure starts afresh
        transport.request("POST", url, body, headers, Timeout(connect=5, read=5))
        assert (again.count, answers.count) == (1, 2)
        assert again.fastest < 0.15
        with pytest.raises(urllib3_errors.HTTPError):  # refused: no answer to time
            transport.request(
                "POST", "http://127.0.0.1:9/", body, headers, Timeout(connect=1, read=1)
            )
    assert again.count == 1
    transport.close()


# -- the sender, through the real SDK, against the fake FCM over loopback ------------------


def _threads_per_batch(monkeypatch) -> list[set[int]]:
    """A list that gets the set of threads each later ``send_each`` sent from."""
    batches: list[set[int]] = []
    real_send = messaging.send

    def spy(message, *args, **kwargs):
        batches[-1].add(threading.get_ident())
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(messaging, "send", spy)
    return batches


def test_a_quick_fcm_gets_fewer_threads_and_a_slow_one_the_ceiling_back(monkeypatch):
    no_backoff(monkeypatch)
    batches = _threads_per_batch(monkeypatch)
    with fcm_sender(concurrency=32) as (fcm, sender):
        assert sender.in_flight_limit == 32
        tasks: list[object] = []
        real_submit = sender._pool.submit

        def submit(fn, *args, **kwargs):
            tasks.append(fn)
            return real_submit(fn, *args, **kwargs)

        monkeypatch.setattr(sender._pool, "submit", submit)
        batches.append(set())
        first = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(200)])
        # The in-process fake answers within a few ms; a message costs the sender about as
        # much CPU, so a handful of threads is what the ratio asks for, from the first
        # round trip on: 4 messages on 4 threads, then the rest on what they measured, not
        # the 32 threads a first batch would otherwise start.
        quick_limit = sender.in_flight_limit
        assert quick_limit < 32
        assert len(tasks) < 32

        batches.append(set())
        second = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(200)])
        assert len(batches[-1]) <= quick_limit

        fcm.delay = 0.2  # FCM is now 200 ms away: 32 threads are worth it again
        batches.append(set())
        third = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(24)])
        assert sender.in_flight_limit == 32
    assert all(r.ok for r in first + second + third)
    assert len(fcm.sent_messages()) == 424


def test_a_far_fcm_gets_the_ceiling_after_one_round_trip_on_the_floor(monkeypatch):
    no_backoff(monkeypatch)
    batches = _threads_per_batch(monkeypatch)
    with fcm_sender(concurrency=16) as (fcm, sender):
        fcm.delay = 0.2
        batches.append(set())
        tokens = [f"tok-{i}" for i in range(40)]
        results = sender.send_each(messages=[msg(t, i) for i, t in enumerate(tokens)])
        assert sender.in_flight_limit == 16
    # 4 messages on 4 threads first, then 36 on 16: each thread holds its message 200 ms,
    # so all 16 took some.
    assert len(batches[0]) == 16
    assert [r.token for r in results] == tokens  # the input order across both parts
    assert all(r.ok for r in results)


def test_a_sender_without_the_short_path_keeps_the_ceiling(monkeypatch):
    """Behind a proxy the SDK's own session sends: nothing to time, no resizing."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: sends fail
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    no_backoff(monkeypatch)
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint="http://127.0.0.1:9",
        app_name="push-test-inflight-proxy",
        concurrency=8,
    ) as sender:
        results = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(3)])
        assert sender.in_flight_limit == 8
    assert not any(r.ok for r in results)
