"""Text that no database column can hold is refused as a 422 before it reaches PostgreSQL."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("bad", ["a\x00b@example.org", "a\udc00@example.org"])
def test_nul_and_lone_surrogates_in_a_body_are_422(client, bad):
    body = json.dumps({"email": bad, "password": "whatever 123"})  # ASCII escapes: \u0000
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    assert "email" in response.get_json()["errors"]["json"]


def test_nul_in_a_query_string_is_422(client):
    # Refused while parsing, before the post is even looked up (that would be a 404).
    response = client.get("/api/v1/posts/XX-NONE/availability", query_string={"service": "a\x00b"})
    assert response.status_code == 422
    assert "service" in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("body", ["1.1371228024024287e-120", '"text"', "null", "true", "[]"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/auth/refresh"), ("patch", "/api/v1/me"), ("post", "/api/v1/auth/login")],
)
def test_a_body_that_is_not_an_object_is_422(client, make, method, path, body):
    # Found by the long fuzzing run: a bare number reached a pre-load hook as a float, and
    # the login rate-limit key read fields of a body that was not an object (500s).
    from api.extensions import limiter

    headers = make.auth(make.citizen()) if path == "/api/v1/me" else {}
    try:
        response = getattr(client, method)(
            path, data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.get_json()["error"] == "validation_error"
        # A key function that raised would have put the limiter on its in-memory fallback.
        assert limiter._storage_dead is False
    finally:
        limiter._storage_dead = False
