"""What the tests of the answers given in front of Flask share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import request_started


@contextmanager
def reaching_flask(app) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask's dispatch (an edge answer never does)."""
    seen: list[str] = []

    def started(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(started, app)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)
