"""Logs are JSON lines with the request id, and never carry personal data or secrets."""

from __future__ import annotations

import json
import logging

from api.observability import JsonFormatter


def test_logs_have_request_ids_and_no_personal_data(client, make, caplog):
    caplog.set_level(logging.DEBUG)
    citizen = make.citizen(email="private.person@example.org")
    tokens = make.login(citizen.email)
    headers = {
        "Authorization": "Bearer " + tokens["access_token"],
        "X-Request-ID": "trace-abcdef12",
    }
    payload = make.applicant_payload(passport_number="K9988776", date_of_birth="1984-03-09")
    assert client.post("/api/v1/applicants", json=payload, headers=headers).status_code == 201
    # A failing insert (duplicate "self") must not leak the bound values either.
    client.post("/api/v1/applicants", json=payload, headers=headers)

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    text = "\n".join(lines)
    for secret in (
        "K9988776",
        "1984-03-09",
        "private.person",
        tokens["access_token"],
        tokens["refresh_token"],
        "correct horse",
    ):
        assert secret not in text
    access = [json.loads(line) for line in lines if '"palm.access"' in line]
    tagged = [entry for entry in access if entry.get("request_id") == "trace-abcdef12"]
    assert tagged and tagged[0]["endpoint"] == "/api/v1/applicants"


def test_an_answer_from_an_early_hook_is_logged_with_its_request_id(client, caplog):
    """A body that does not parse is answered by a hook that runs before any view: its
    access log line still carries the id the answer's X-Request-ID header gives."""
    caplog.set_level(logging.INFO, logger="palm.access")
    answer = client.post("/api/v1/appointments", data=b"{not json", content_type="application/json")
    assert answer.status_code == 400
    logged = [r for r in caplog.records if r.name == "palm.access" and r.status == 400]
    assert [r.request_id for r in logged] == [answer.headers["X-Request-ID"]]
