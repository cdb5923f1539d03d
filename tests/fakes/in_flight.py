"""Requests a fake server is still answering, so a test can wait for the late ones (those
whose client already gave up) instead of sleeping a guessed margin."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class InFlight:
    """A thread-safe count of the requests being answered."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._count = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Wrap the answer to one request."""
        with self._lock:
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once no request is being answered; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._count:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self._name} still busy after {timeout} s")
            time.sleep(0.02)
