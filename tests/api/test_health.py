"""Liveness, readiness (with the database down) and metrics."""

from __future__ import annotations

import socket


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
