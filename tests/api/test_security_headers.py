"""Security headers on every answer; CORS closed by default and open only where configured."""

from __future__ import annotations


def test_security_headers_on_answers_and_errors(client, make):
    for response in (client.get("/api/v1/posts"), client.get("/api/v1/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    mine = client.get("/api/v1/me", headers=make.auth(make.citizen()))
    assert mine.headers["Cache-Control"] == "private, no-store"
    # The documentation page loads scripts, so it is not given the strict policy.
    assert "Content-Security-Policy" not in client.get("/api/v1/docs/swagger").headers


def test_cors_is_closed_by_default(client):
    response = client.get("/api/v1/posts", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_for_configured_origins(app, client):
    app.config["CORS_ALLOWED_ORIGINS"] = ("https://consular.example",)
    try:
        allowed = client.options(
            "/api/v1/auth/login",
            headers={"Origin": "https://consular.example", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://consular.example"
        assert "Idempotency-Key" in allowed.headers["Access-Control-Allow-Headers"]
        other = client.get("/api/v1/posts", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    finally:
        app.config["CORS_ALLOWED_ORIGINS"] = ()


def test_production_sends_hsts():
    from api.config import ProductionConfig

    assert ProductionConfig.HSTS_SECONDS == 365 * 24 * 3600
