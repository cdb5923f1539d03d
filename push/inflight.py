"""How many messages the push worker keeps in flight to FCM: enough to cover its answers'
round trip, and no more.

A sending thread spends some CPU on a message (the SDK builds it, libcurl sends it, the SDK
reads the answer; most of it holding the GIL) and then waits for FCM's answer without the
GIL. With ``cpu`` and ``wait`` per message, ``(cpu + wait) / cpu`` threads keep the
process's one GIL busy (Little's law); a thread more only queues for the GIL, and queueing
threads cost system time: at 64 threads a delivery took 12-13 context switches and 150-200
us of system time, against 3.5-4.5 and 60-90 us at 16, for the same user time (session 17,
``bench/RESULTS.md``). So the sender runs each batch on twice as many threads as that ratio
asks for (the headroom covers answers slower than the average), never fewer than ``floor``
and never more than ``FCM_CONCURRENCY``.

``wait`` is measured by a **probe**: at most every ``PROBE_EVERY`` seconds, a batch starts
on ``floor`` threads alone, and the others join them once ``floor * PROBE_PER_THREAD``
answers are in (or the probe's threads have no message left to send: a small batch), on the
limit those answers give; or after ``PROBE_WAIT`` (counted from the probe's first thread
starting, not from its place in the pool's queue) on all of them,
since answers that slow ask for the ceiling anyway (and an FCM that does not answer must not
hold the batch back for its timeouts). Such a probe counts as one answer that took
``PROBE_WAIT / PROBE_PER_THREAD``, whatever the few answers in by then say: one quick answer
amid timeouts must not shrink the pool. ``wait`` is the probe's mean answer time, on
libcurl's own clock from the request going out to the answer's first byte
(``push.curl_transport``), counting only messages FCM accepted. ``cpu`` is measured over
every batch but a sender's first (``time.thread_time`` of each sending thread), and the
cheapest of the last ``CPU_WINDOW`` batches counts: a batch that opened connections or
fetched the access token costs more CPU per message than FCM's round trip asks threads for,
and sizing on it shrank the pool for the batches after (measured: a first batch sized at 8
threads at 30 ms, then 12, 21, 37, 60, 64, each batch slower than the last).

* with few messages in flight it is FCM's round trip, not a queue of our own making. Timed
  at the limit, the answers of a server that serves one request at a time (the benchmark's
  fake) grow with the messages in flight, and sizing on them added threads that only
  lengthened that queue, batch after batch (measured: 29-50 threads, for no more
  deliveries);
* libcurl's clock leaves out the time a thread then waits for the GIL, which would read as
  a slow FCM;
* the mean, not the quickest answer: a round trip that varies (FCM's p50 against its
  quickest) would otherwise size the pool for the quickest, and cap deliveries below what
  the old fixed 64 sent;
* an error answer can come back sooner than a delivery (a token FCM rejects at once), so
  errors are not timed.

A batch with a failure to try again later (FCM down, our quota spent) leaves both figures
alone: the SDK's retries made its CPU more than a message's, and its backoff sleeps are
neither CPU nor FCM's round trip, so sizing on it would shrink the pool just when each
message holds a thread longest (a 500-message batch on 4 threads, each message retried
with 0+1+2+4 s of backoff, would outlast the outbox's 5-minute lease). The batch after such
a one does not probe either (its answers would say nothing).

When FCM is 30 ms away the ratio is ~75 and the ceiling holds; when it answers within a
millisecond, a few threads send as much as 64 did, for less CPU. Until the first probe the
limit is the ceiling. A sender that cannot time (no short path: a proxy, a client certificate)
is built with ``floor == ceiling`` and never probes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

HEADROOM = 2.0  # threads per thread's worth of GIL time: answers vary around their mean
PROBE_EVERY = 30.0  # seconds between probes: FCM's round trip does not change by the second
PROBE_PER_THREAD = 2  # answers per probing thread, so the mean is over a few answers
PROBE_WAIT = 0.25  # seconds the other threads wait for the probe's answers, at most
SMOOTHING = 0.5  # weight of the latest probe's answer time in the running one
CPU_WINDOW = 16  # batches whose CPU per message is remembered


class InFlightSizer:
    """The number of sending threads for a batch, from the batches and probes sent so far.

    ``claim_probe`` says whether this batch probes (and claims it, so two concurrent
    batches do not both); ``record_answers`` takes the probe's answer times, ``record_cpu``
    every batch's CPU; ``limit`` is read for a batch. Thread-safe (two drains may share a
    sender)."""

    def __init__(
        self, ceiling: int, floor: int = 4, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be >= 1")
        self.ceiling = ceiling
        self.floor = max(1, min(floor, ceiling))
        self._clock = clock
        # Seconds of CPU per message of the recent batches; the cheapest counts (below).
        self._cpu: deque[float] = deque(maxlen=CPU_WINDOW)
        self._wait: float | None = None  # seconds of a probe's mean answer, smoothed
        self._probed_at: float | None = None
        self._lock = threading.Lock()

    @property
    def probe_size(self) -> int:
        """Messages in a probe."""
        return self.floor * PROBE_PER_THREAD

    @property
    def wait(self) -> float | None:
        """FCM's answer time the probes measured, in seconds (smoothed); None before one."""
        return self._wait

    @property
    def limit(self) -> int:
        """Threads for a batch: the ceiling until a probe has timed FCM."""
        samples, wait = self._cpu, self._wait
        if not samples or wait is None:
            return self.ceiling
        cpu = min(samples)
        threads = math.ceil(HEADROOM * (cpu + wait) / cpu)
        return max(self.floor, min(self.ceiling, threads))

    def claim_probe(self) -> bool:
        """Whether the caller's batch should probe now; True once per ``PROBE_EVERY``."""
        if self.floor >= self.ceiling:
            return False  # nothing to choose between
        with self._lock:
            now = self._clock()
            if self._probed_at is not None and now - self._probed_at < PROBE_EVERY:
                return False
            self._probed_at = now
            return True

    def record_answers(self, *, answers: int, seconds: float) -> None:
        """A probe's answers that accepted a message: how many, and their seconds in all. A
        probe that timed none (an outage) tells nothing and leaves the limit."""
        if answers >= 1 and seconds >= 0:
            with self._lock:
                self._wait = _smoothed(self._wait, seconds / answers)

    def record_cpu(self, *, messages: int, cpu_seconds: float) -> None:
        """A batch's (or a probe's) messages and the CPU its sending threads spent on them."""
        if messages >= 1 and cpu_seconds > 0:
            with self._lock:
                self._cpu.append(cpu_seconds / messages)


def _smoothed(previous: float | None, latest: float) -> float:
    return latest if previous is None else previous + SMOOTHING * (latest - previous)
