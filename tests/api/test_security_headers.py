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


def test_no_answer_names_server_software_versions(live_server):
    """Over real HTTP (Werkzeug's server, as under ``flask run``): answers, errors of the app
    and errors of the server itself name no version of Werkzeug or Python."""
    import http.client
    import re
    import urllib.parse

    host, port = urllib.parse.urlsplit(live_server).netloc.split(":")
    versioned = re.compile(r"\d+\.\d+|werkzeug|python", re.IGNORECASE)
    requests = [
        ("GET", "/healthz"),
        ("GET", "/api/v1/nowhere"),
        ("POST", "/api/v1/auth/login"),
    ]
    for method, path in requests:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request(method, path, body=b"[" * 1000 if method == "POST" else None)
        response = connection.getresponse()
        response.read()
        servers = response.headers.get_all("Server") or []
        connection.close()
        assert len(servers) <= 1, servers
        for value in servers:
            assert not versioned.search(value), (method, path, value)
    # A header the server itself refuses (431 from http.server, before the app runs).
    import socket

    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"x" * 70_000 + b"\r\n\r\n")
        raw = b""
        while chunk := sock.recv(4096):
            raw += chunk
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert head.startswith("HTTP/1.") and " 431 " in head.splitlines()[0], head[:100]
    servers = [line for line in head.splitlines() if line.lower().startswith("server:")]
    assert servers and not any(versioned.search(line.split(":", 1)[1]) for line in servers)
