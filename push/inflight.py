"""How many messages the push worker keeps in flight to FCM: enough to cover its answers'
round trip, and no more.

A sending thread spends some CPU on a message (the SDK builds it, libcurl sends it, the SDK
reads the answer; most of it holding the GIL) and then waits for FCM's answer without the
GIL. With ``cpu`` and ``wait`` per message, ``(cpu + wait) / cpu`` threads keep the
process's one GIL busy (Little's law); a thread more only queues for the GIL, and queueing
threads cost system time: at 64 threads a delivery took 12-13 context switches and 150-200
us of system time, against 3.5-4.5 and 60-90 us at 16, for the same user time (session 17,
``bench/RESULTS.md``). So the sender measures both over each batch and starts as many
threads for the next one as twice that ratio asks for (the headroom covers answers slower
than the quickest), never fewer than ``floor`` and never more than ``FCM_CONCURRENCY``.

``wait`` is the batch's quickest answer, on libcurl's own clock from the request going out
to the answer's first byte (``push.curl_transport``):

* libcurl's clock leaves out the time a thread then waits for the GIL, which would read as
  a slow FCM;
* the quickest answer, not the average, is the round trip without a queue. An average
  grows with the messages in flight wherever they queue (a server answering one at a
  time, as the benchmark's fake does), and sizing on it would add threads that only
  lengthen that queue, batch after batch, up to the ceiling (measured: 29-50 threads
  against a fake that one process serves, for no more deliveries).

When FCM is 30 ms away the ratio is ~75 and the ceiling holds; when it answers within a
millisecond, a few threads send as much as 64 did, for less CPU. Until a batch has been
measured the limit is the ceiling, but the sender's first batch sends ``floor`` messages on
their own first (one round trip) and the rest on what they measured, so a process does not
start 64 threads and connections it will not use. A sender that cannot measure (no short
path: a proxy, a client certificate) keeps the ceiling, as before.
"""

from __future__ import annotations

import math
import threading

HEADROOM = 2.0  # threads per thread's worth of GIL time: answers are slower than the quickest
SMOOTHING = 0.5  # weight of the latest batch in the running ratio


class InFlightSizer:
    """The number of sending threads for the next batch, from the batches sent so far.

    ``record`` takes a batch's figures over all its threads; ``limit`` is read before a
    batch. Thread-safe (two drains may share a sender)."""

    def __init__(self, ceiling: int, floor: int = 4) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be >= 1")
        self.ceiling = ceiling
        self.floor = max(1, min(floor, ceiling))
        self._ratio: float | None = None  # (cpu + wait) / cpu per message, smoothed
        self._lock = threading.Lock()

    @property
    def measured(self) -> bool:
        """Whether a batch has been measured yet."""
        return self._ratio is not None

    @property
    def limit(self) -> int:
        """Threads for the next batch: the ceiling until a batch has been measured."""
        ratio = self._ratio
        if ratio is None:
            return self.ceiling
        return max(self.floor, min(self.ceiling, math.ceil(HEADROOM * ratio)))

    def record(self, *, messages: int, cpu_seconds: float, quickest_answer: float) -> None:
        """A batch: its messages, the CPU its sending threads spent on them, and its quickest
        answer in seconds. A batch with nothing measured tells nothing and is dropped."""
        if messages < 1 or cpu_seconds <= 0 or not 0 <= quickest_answer < math.inf:
            return
        cpu = cpu_seconds / messages
        ratio = (cpu + quickest_answer) / cpu
        with self._lock:
            previous = self._ratio
            self._ratio = ratio if previous is None else previous + SMOOTHING * (ratio - previous)
