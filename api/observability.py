"""Request ids, JSON logs, Prometheus metrics, and the health endpoints.

Every response carries ``X-Request-ID`` (the client's, when it sent a sane one) and every log
line carries it too. Log lines never include request bodies, tokens or personal data: we log
the method, the route template (not the concrete path, which may hold a token) and the status.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import random
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter
from sqlalchemy import text

from services.core.db import db

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id() -> str:
    """A fresh request id: a random (version 4) UUID's 32 hex digits, as ``uuid4().hex``,
    from the ``random`` module rather than the operating system. A request id correlates log
    lines and needs no secrecy, and ``os.urandom`` is a system call that lets go of the GIL:
    with a worker's threads all busy, each such call hands the GIL to another thread and
    waits to get it back (tens of futex calls per request under the benchmark's load).
    ``random`` is reseeded in each forked worker."""
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


REQUESTS = Counter("palm_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "palm_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the request id when there is
    one, and every field a caller passes in ``extra`` (method, endpoint, status, duration,
    cache hits). python-json-logger keeps the extras a hand-written formatter had to list."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exc"},
            timestamp="ts",
            json_ensure_ascii=False,
        )


def _install_request_id_factory() -> None:
    """Stamp every log record made during a request with that request's id."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_palm", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        from flask import has_request_context

        record = previous(*args, **kwargs)
        if has_request_context():
            record.request_id = g.get("request_id")
        return record

    factory._palm = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(app: Flask) -> None:
    _install_request_id_factory()
    root = logging.getLogger()
    if any(getattr(h, "_palm", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._palm = True  # type: ignore[attr-defined]
    if app.config.get("LOG_JSON", True):
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Werkzeug's access log prints raw paths; ours prints route templates.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # urllib3 logs retried URLs, and FCM topic-management URLs contain device tokens.
    logging.getLogger("urllib3").setLevel(logging.ERROR)


access_log = logging.getLogger("palm.access")
# Set in the WSGI environ when the caller is answered another status than the app's
# response (the public cache's refill: the app renders a 200, the caller gets its 304).
CLIENT_STATUS = "palm.client_status"


def init_request_tracking(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else new_request_id()
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or new_request_id()
        response.headers["X-Request-ID"] = request_id
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        status = request.environ.get(CLIENT_STATUS, response.status_code)
        REQUESTS.labels(request.method, endpoint, str(status)).inc()
        LATENCY.labels(request.method, endpoint).observe(elapsed)
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "endpoint": endpoint,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
            },
        )
        return response


def metrics_allowed() -> bool:
    """Whether this request may read /metrics: it carries METRICS_TOKEN as a bearer token,
    or comes from METRICS_ALLOWED_IPS, or from loopback where METRICS_OPEN_ON_LOOPBACK (not
    in production). The address is the client's as ProxyFix resolved it."""
    from api.extensions import client_ip

    config = current_app.config
    token = config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return True
    try:
        address = ipaddress.ip_address(client_ip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in config.get("METRICS_ALLOWED_IPS", ())):
        return True
    return bool(config.get("METRICS_OPEN_ON_LOOPBACK")) and address.is_loopback


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """The database answers; a load balancer sends traffic only when this is 200."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            db.session.rollback()
            from api.errors import error_response

            return error_response(503, "service_unavailable", headers={"Retry-After": "5"})
        return {"status": "ready", "database": "ok"}

    @app.get("/metrics")
    def metrics():
        """Prometheus metrics (multi-process aware when PROMETHEUS_MULTIPROC_DIR is set), for
        the scrapers the configuration names only (``metrics_allowed``)."""
        import os

        if not metrics_allowed():
            from api.errors import error_response

            # 404, not 403: a scanner learns nothing about what is there.
            return error_response(404, "not_found")

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import CollectorRegistry, multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
