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
