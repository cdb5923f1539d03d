"""NUL characters (which PostgreSQL text cannot hold) are refused by every input schema."""

from __future__ import annotations


def test_nul_in_a_json_body_or_a_query_is_a_422(client, make):
    login = client.post(
        "/api/v1/auth/login", json={"email": "a\u0000@example.org", "password": "x"}
    )
    assert login.status_code == 422, login.get_json()
    assert login.get_json()["errors"]["json"]["_schema"] == [
        "Text must not contain NUL characters."
    ]
    headers = make.auth(make.citizen())
    nested = client.post(
        "/api/v1/applicants", json=make.applicant_payload(surname_native="A\u0000"), headers=headers
    )
    assert nested.status_code == 422
    query = client.get("/api/v1/posts?country=F%00", headers=headers)
    assert query.status_code == 422
    assert query.get_json()["errors"]["query"]["_schema"] == [
        "Text must not contain NUL characters."
    ]
