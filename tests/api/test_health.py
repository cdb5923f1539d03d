"""Liveness, readiness (with the database down) and metrics."""

from __future__ import annotations

import socket

import pytest


def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


def test_readyz_with_the_database_down_is_503_and_healthz_stays_up(tmp_path):
    from api import create_app

    url = f"postgresql+psycopg://app@127.0.0.1:{_closed_port()}/none?connect_timeout=2"
    down = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    client = down.test_client()
    ready = client.get("/readyz", headers={"Accept-Language": "vi"})
    assert ready.status_code == 503
    assert ready.get_json()["error"] == "service_unavailable"
    assert ready.get_json()["message"].startswith("Dịch vụ tạm thời")
    assert client.get("/healthz").status_code == 200
    # A data route answers a clean, retryable 503 too, never a 500.
    posts = client.get("/api/v1/posts")
    assert posts.status_code == 503
    assert posts.headers["Retry-After"] == "5"


def test_metrics_count_requests_by_route_template(client, make):
    client.get("/api/v1/posts/NO-SUCH")
    body = client.get("/metrics").get_data(as_text=True)
    assert "palm_http_requests_total" in body
    assert 'endpoint="/api/v1/posts/<string:code>"' in body
    assert "NO-SUCH" not in body


@pytest.fixture
def metrics_config(app):
    """Restores the /metrics settings a test changes on the session's app."""
    names = ("METRICS_TOKEN", "METRICS_ALLOWED_IPS", "METRICS_OPEN_ON_LOOPBACK")
    saved = {name: app.config[name] for name in names}
    yield app.config
    app.config.update(saved)


def _metrics(client, address="127.0.0.1", **headers):
    return client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "2001:db8::1"])
def test_metrics_are_closed_to_other_addresses_in_development(client, metrics_config, address):
    response = _metrics(client, address)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "palm_http" not in response.get_data(as_text=True)
    assert _metrics(client, "127.0.0.1").status_code == 200
    assert _metrics(client, "::1").status_code == 200


def test_metrics_closed_by_default_in_production(client, metrics_config):
    metrics_config["METRICS_OPEN_ON_LOOPBACK"] = False  # what ProductionConfig sets
    for address in ("127.0.0.1", "::1", "203.0.113.9"):
        assert _metrics(client, address).status_code == 404


def test_metrics_token_opens_them_from_anywhere(client, metrics_config):
    metrics_config["METRICS_OPEN_ON_LOOPBACK"] = False
    metrics_config["METRICS_TOKEN"] = "t" * 40
    good = _metrics(client, "203.0.113.9", Authorization="Bearer " + "t" * 40)
    assert good.status_code == 200
    assert "palm_http_requests_total" in good.get_data(as_text=True)
    for wrong in ("Bearer " + "t" * 39, "Bearer " + "u" * 40, "Basic " + "t" * 40, "", "Bearer"):
        assert _metrics(client, "203.0.113.9", Authorization=wrong).status_code == 404


def test_metrics_allowed_ips_open_them_to_listed_scrapers(client, metrics_config):
    from api.config import _networks

    metrics_config["METRICS_OPEN_ON_LOOPBACK"] = False
    metrics_config["METRICS_ALLOWED_IPS"] = _networks("X", "10.1.0.0/16, 192.0.2.7, fd00::/8")
    for address in ("10.1.200.3", "192.0.2.7", "fd00::5", "::ffff:10.1.0.9"):
        assert _metrics(client, address).status_code == 200, address
    for address in ("10.2.0.1", "192.0.2.8", "127.0.0.1", "2001:db8::1"):
        assert _metrics(client, address).status_code == 404, address
