"""The push sender keeps as many messages in flight as FCM's round trip needs
(``push.inflight``): few when FCM answers at once, the ceiling when it is far away. A probe
of a few messages on the fewest threads times the round trip."""

from __future__ import annotations

import threading
import time

import certifi
import pytest
from firebase_admin import messaging
from urllib3 import exceptions as urllib3_errors
from urllib3.util import Timeout

from push import inflight
from push.curl_transport import AnswerTimes, CurlTransport
from push.fcm import FcmPushSender
from push.inflight import InFlightSizer
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer
from tests.push.support import PROJECT, fcm_sender, msg, no_backoff

pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


# -- the sizer's arithmetic --------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _probed(sizer: InFlightSizer, cpu_per_message: float, mean_answer: float) -> int:
    sizer.record_answers(answers=8, seconds=8 * mean_answer)
    sizer.record_cpu(messages=8, cpu_seconds=8 * cpu_per_message)
    return sizer.limit


def test_the_ceiling_until_a_probe_has_timed_fcm():
    sizer = InFlightSizer(64)
    sizer.record_cpu(messages=500, cpu_seconds=0.2)  # batches without a probe: no wait known
    assert sizer.limit == 64
    sizer.record_answers(answers=8, seconds=0.002)
    assert sizer.limit == 4


@pytest.mark.parametrize(
    ("cpu_per_message", "mean_answer", "expected"),
    [
        (0.0004, 0.0002, 4),  # answers at once: (0.4 + 0.2) / 0.4 * 2 = 3, the floor is 4
        (0.0005, 0.0025, 12),  # 3 ms round trip: (0.5 + 2.5) / 0.5 * 2 = 12
        (0.0005, 0.030, 64),  # FCM over the internet: 122, held at the ceiling
    ],
)
def test_twice_the_threads_that_keep_one_gil_busy(cpu_per_message, mean_answer, expected):
    assert _probed(InFlightSizer(64), cpu_per_message, mean_answer) == expected


def test_the_mean_answer_counts_not_the_quickest():
    sizer = InFlightSizer(64)
    # FCM answering in 5 ms once and 45 ms seven times: sized for 40 ms, not for 5.
    sizer.record_answers(answers=8, seconds=0.005 + 7 * 0.045)
    sizer.record_cpu(messages=8, cpu_seconds=0.004)
    assert sizer.limit == 64


def test_the_cheapest_recent_batch_tells_the_cpu():
    """A batch that opened connections costs more CPU per message than FCM's round trip
    asks threads for: the cheapest of the recent batches counts, not an average."""
    sizer = InFlightSizer(64)
    assert _probed(sizer, 0.002, 0.0305) == 33  # cold: 2 ms a message, (2 + 30.5) / 2 * 2
    sizer.record_cpu(messages=500, cpu_seconds=500 * 0.0005)
    assert sizer.limit == 64  # warm: (0.5 + 30.5) / 0.5 * 2 = 124, at the ceiling
    sizer.record_cpu(messages=500, cpu_seconds=500 * 0.003)  # threads added, connections
    assert sizer.limit == 64
    for _ in range(inflight.CPU_WINDOW):
        sizer.record_cpu(messages=500, cpu_seconds=500 * 0.004)
    assert sizer.limit == 18  # only costlier batches since: (4 + 30.5) / 4 * 2 = 17.25


def test_the_figures_weigh_the_latest_by_half():
    sizer = InFlightSizer(200)
    assert _probed(sizer, 0.001, 0.0095) == 21  # (1 + 9.5) / 1 * 2
    assert _probed(sizer, 0.001, 0.0295) == 41  # wait (9.5 + 29.5) / 2 = 19.5: (1 + 19.5) * 2
    for _ in range(20):
        _probed(sizer, 0.001, 0.0295)
    assert sizer.limit == 61


@pytest.mark.parametrize(
    "figures",
    [
        {"answers": 0, "seconds": 0.0},  # an outage: no message accepted
        {"answers": 8, "seconds": -0.001},
        {"messages": 0, "cpu_seconds": 0.1},
        {"messages": 8, "cpu_seconds": 0.0},
    ],
)
def test_figures_that_measured_nothing_leave_the_limit(figures):
    sizer = InFlightSizer(64)
    assert _probed(sizer, 0.0005, 0.0025) == 12
    if "answers" in figures:
        sizer.record_answers(**figures)
    else:
        sizer.record_cpu(**figures)
    assert sizer.limit == 12


def test_one_probe_per_interval_and_none_without_a_choice():
    clock = _Clock()
    sizer = InFlightSizer(64, clock=clock)
    assert sizer.claim_probe()
    assert not sizer.claim_probe()  # a concurrent batch does not probe as well
    clock.now += inflight.PROBE_EVERY - 1
    assert not sizer.claim_probe()
    clock.now += 1
    assert sizer.claim_probe()
    assert sizer.probe_size == 4 * inflight.PROBE_PER_THREAD

    fixed = InFlightSizer(8, floor=8)  # no short path to time: the sender's case
    assert not fixed.claim_probe()
    assert fixed.limit == 8


def test_the_floor_never_exceeds_the_ceiling():
    sizer = InFlightSizer(2)
    assert sizer.floor == 2
    assert _probed(sizer, 0.001, 0.0) == 2
    with pytest.raises(ValueError):
        InFlightSizer(0)


# -- the answer times libcurl measures ----------------------------------------------------


def test_the_transport_times_each_delivery_from_the_request_to_its_first_byte():
    transport = CurlTransport(certifi.where())
    with FakeFcmServer(delay=0.15) as fcm:
        url = f"{fcm.url}/v1/projects/{PROJECT}/messages:send"
        body = b'{"message": {"token": "tok-a"}}'
        headers = {"Content-Type": "application/json"}
        timeout = Timeout(connect=5, read=5)
        transport.request("POST", url, body, headers, timeout)  # outside a block: untimed
        answers = AnswerTimes(wanted=2)
        with transport.answer_times(answers):
            transport.request("POST", url, body, headers, timeout)
            assert not answers.enough.is_set()
            transport.request("POST", url, body, headers, timeout)
            assert answers.enough.is_set()
            fcm.fail_all("UNAVAILABLE", count=1)
            assert transport.request("POST", url, body, headers, timeout).status == 503
            with pytest.raises(urllib3_errors.HTTPError):  # refused: no answer to time
                transport.request(
                    "POST", "http://127.0.0.1:9/", body, headers, Timeout(connect=1, read=1)
                )
        transport.request("POST", url, body, headers, timeout)  # after the block: untimed
    assert answers.count == 2  # the error answer and the refusal are not deliveries
    assert 0.3 <= answers.seconds < 10
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


def _tasks(monkeypatch, sender: FcmPushSender) -> list[bool]:
    """A list that gets, for every task (one per thread) the sender's pool is given,
    whether it is one of a probe's threads (it times FCM's answers)."""
    probing: list[bool] = []
    real_submit = sender._pool.submit

    def submit(fn, *args, **kwargs):
        probing.append(args[-1] is not None)
        return real_submit(fn, *args, **kwargs)

    monkeypatch.setattr(sender._pool, "submit", submit)
    return probing


def test_a_quick_fcm_gets_fewer_threads_and_a_slow_one_the_ceiling_back(monkeypatch):
    no_backoff(monkeypatch)
    batches = _threads_per_batch(monkeypatch)
    with fcm_sender(concurrency=32) as (fcm, sender):
        assert sender.in_flight_limit == 32
        # 8 messages do not probe: they open connections and fetch the token, so the
        # probe below times FCM, not a cold start, on a loaded machine too.
        # (and the second tells the CPU a message costs: the first's is not counted).
        batches.append(set())
        for _ in range(2):
            warm = sender.send_each(messages=[msg(f"w{i}", i) for i in range(8)])
            assert all(r.ok for r in warm)
        tasks = _tasks(monkeypatch, sender)
        batches.append(set())
        first = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(200)])
        # The in-process fake answers within a few ms; a message costs the sender about as
        # much CPU, so a handful of threads is what the ratio asks for, from the probe on:
        # 4 threads alone until 8 answers are in, then the others, not 32 in all.
        assert tasks[:4] == [True] * 4
        assert not any(tasks[4:])
        assert len(tasks) < 32
        quick_limit = sender.in_flight_limit
        assert quick_limit < 32

        tasks.clear()
        batches.append(set())
        second = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(200)])
        assert tasks == [False] * quick_limit  # no second probe within PROBE_EVERY
        assert len(batches[-1]) <= quick_limit

        fcm.delay = 0.2  # FCM is now 200 ms away: 32 threads are worth it again
        monkeypatch.setattr(inflight, "PROBE_EVERY", 0.0)
        tasks.clear()
        batches.append(set())
        third = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(40)])
        # The probe's 8 answers take 400 ms: after PROBE_WAIT the batch goes on all 32,
        # and the probe counts as an answer of PROBE_WAIT / 2: FCM is far.
        assert tasks[:4] == [True] * 4 and len(tasks) == 32
        assert sender.in_flight_limit == 32
    assert all(r.ok for r in first + second + third)
    assert len(fcm.sent_messages()) == 456


def test_a_far_fcm_gets_the_ceiling_from_the_probe(monkeypatch):
    no_backoff(monkeypatch)
    batches = _threads_per_batch(monkeypatch)
    with fcm_sender(concurrency=16) as (fcm, sender):
        fcm.delay = 0.05  # the probe's 8 answers are in after ~100 ms, within PROBE_WAIT
        tasks = _tasks(monkeypatch, sender)
        batches.append(set())
        tokens = [f"tok-{i}" for i in range(48)]
        results = sender.send_each(messages=[msg(t, i) for i, t in enumerate(tokens)])
        assert sender.in_flight_limit == 16
        # The probe's own answers, not its time-out (which counts as one of 125 ms).
        assert 0.045 <= sender._sizer.wait < 0.1
    assert tasks == [True] * 4 + [False] * 12
    assert len(batches[0]) > 4  # the others joined the probe's threads
    assert [r.token for r in results] == tokens  # the input order kept
    assert all(r.ok for r in results)


def test_a_probe_fcm_does_not_answer_does_not_hold_the_batch_back(monkeypatch):
    """FCM timing out: after PROBE_WAIT the batch goes on all threads, as it did before
    there was a probe, instead of waiting for the probe's timeouts (and retries) first; and
    the pool is sized for a far FCM afterwards, not for the quick one it was."""
    no_backoff(monkeypatch)
    with fcm_sender(concurrency=16, timeout=1.0) as (fcm, sender):
        for _ in range(2):  # warm: connections and the token, so the timing below is FCM's
            assert all(r.ok for r in sender.send_each(messages=[msg(f"w{i}", i) for i in range(8)]))
        # A pool sized for a quick FCM, as a quick one measures it on a quiet machine. Set,
        # not measured: on a loaded machine (CI beside other work) the in-process fake's
        # answers can miss PROBE_WAIT and leave the pool at the ceiling already, and then
        # the ceiling below would prove nothing.
        quick = inflight.InFlightSizer(16, sender._sizer.floor)
        quick.record_cpu(messages=1, cpu_seconds=0.001)
        quick.record_answers(answers=1, seconds=0.001)
        monkeypatch.setattr(sender, "_sizer", quick)
        assert sender.in_flight_limit == 4

        fcm.delay = 3.0  # longer than the sender's timeout: no answer comes
        monkeypatch.setattr(inflight, "PROBE_EVERY", 0.0)
        tasks = _tasks(monkeypatch, sender)
        started = time.monotonic()
        results = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(16)])
        took = time.monotonic() - started
        assert sender.in_flight_limit == 16
    assert tasks == [True] * 4 + [False] * 12
    assert not any(r.ok for r in results)
    # One timeout and its retry for every message at once (~2 s); the probe's 8 first and
    # then the rest would have taken 2 rounds of that and a third.
    assert took < 4
    fcm.wait_idle()


def test_errors_during_the_probe_leave_every_message_its_result(monkeypatch):
    no_backoff(monkeypatch)
    with fcm_sender(concurrency=8) as (fcm, sender):
        fcm.fail_all("UNREGISTERED", count=8)  # one attempt each, answered at once
        tokens = [f"tok-{i}" for i in range(30)]
        results = sender.send_each(messages=[msg(t, i) for i, t in enumerate(tokens)])
    assert [r.token for r in results] == tokens
    assert sum(not r.ok for r in results) == 8
    assert all(r.error is not None and r.error.disable_token for r in results if not r.ok)


def test_a_probe_with_no_message_left_measures_what_came(monkeypatch):
    """10 messages, 3 of them stale tokens: the probe's threads send them all before 8
    deliveries are timed. That is the end of the probe, not a silent FCM: the 7 answers
    are the measure, and the batch does not wait out PROBE_WAIT."""
    no_backoff(monkeypatch)
    monkeypatch.setattr(inflight, "PROBE_WAIT", 30.0)  # were it waited out, the test shows
    with fcm_sender(concurrency=16) as (fcm, sender):
        for token in ("tok-2", "tok-5", "tok-7"):
            fcm.fail_token(token, "UNREGISTERED")
        started = time.monotonic()
        results = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(10)])
        took = time.monotonic() - started
        wait = sender._sizer.wait
    assert sum(r.ok for r in results) == 7
    assert took < 10
    assert wait is not None and wait < 0.05  # the fake's answers, not 125 ms


def test_behind_a_proxy_no_batch_is_split(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    no_backoff(monkeypatch)
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint="http://127.0.0.1:9",
        app_name="push-test-inflight-proxy-split",
        concurrency=8,
    ) as sender:
        tasks = _tasks(monkeypatch, sender)
        for _ in range(2):
            results = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(20)])
            assert not any(r.ok for r in results)
        assert sender.in_flight_limit == 8
    assert tasks == [False] * 16  # 8 threads each time, none of them probing


def test_an_outage_neither_shrinks_the_pool_nor_is_probed(monkeypatch):
    """Each message of an outage takes the SDK's retries (and, in production, 0+1+2+4 s of
    backoff): its batch says nothing about a message's CPU or FCM's round trip."""
    no_backoff(monkeypatch)
    with fcm_sender(concurrency=64) as (fcm, sender):
        fcm.delay = 0.005
        for _ in range(2):  # warm: connections, the token, the CPU a message costs
            assert all(r.ok for r in sender.send_each(messages=[msg(f"w{i}", i) for i in range(8)]))
        tasks = _tasks(monkeypatch, sender)
        assert all(r.ok for r in sender.send_each(messages=[msg(f"t{i}", i) for i in range(60)]))
        healthy = sender.in_flight_limit
        assert healthy < 64
        assert tasks[:4] == [True] * 4  # the first batch probed

        fcm.fail_all("UNAVAILABLE", count=5 * 40)  # 5 attempts for each of 40 messages
        outage = sender.send_each(messages=[msg(f"t{i}", i) for i in range(40)])
        assert not any(r.ok for r in outage)
        assert sender.in_flight_limit == healthy

        monkeypatch.setattr(inflight, "PROBE_EVERY", 0.0)
        tasks.clear()
        sender.send_each(messages=[msg(f"t{i}", i) for i in range(40)])  # after the outage
        assert not any(tasks)
        tasks.clear()
        sender.send_each(messages=[msg(f"t{i}", i) for i in range(40)])  # healthy again
        assert tasks[:4] == [True] * 4
