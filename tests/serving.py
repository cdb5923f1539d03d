"""A WSGI app served over real HTTP on 127.0.0.1, in a thread, for the tests whose clients
need a URL (concurrent bookings, twins, a database restart, two workers' edges)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Thread
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def served(wsgi_app: Any) -> Iterator[str]:
    """``wsgi_app`` served (threaded) until the block ends; yields its base URL."""
    http = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=30)
