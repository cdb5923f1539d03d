"""Public availability: bookable flags, the bounded range, errors, ETag, rate limit."""

from __future__ import annotations

from datetime import timedelta

from tests.services.appointments.appointment_support import START, book


def get(client, desk, **query):
    return client.get(
        f"/api/v1/posts/{query.pop('post', desk.post)}/availability",
        query_string={"service": desk.service, **query},
    )


def test_flags_follow_capacity_window_and_closures(client, make, desk):
    soon = make.slot(desk.post, desk.service, START + timedelta(hours=1))  # inside the lead time
    full = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=2), capacity=1)
    book(client, desk, slot_id=full.id)
    far = make.slot(desk.post, desk.service, START + timedelta(days=61))
    response = get(client, desk, **{"from": "2027-01-11", "to": "2027-03-13"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["post"], body["service"], body["time_zone"]) == (
        desk.post,
        desk.service,
        "Europe/Paris",
    )
    assert (body["from"], body["to"]) == ("2027-01-11", "2027-03-13")
    slots = {s["id"]: s for s in body["slots"]}
    assert slots[desk.slot_id] | {"id": 0} == {
        "id": 0,
        "start": "2027-01-13T10:00:00+01:00",
        "end": "2027-01-13T10:30:00+01:00",
        "capacity": 2,
        "remaining": 2,
        "closed": False,
        "bookable": True,
    }
    assert (slots[full.id]["remaining"], slots[full.id]["bookable"]) == (0, False)
    assert slots[soon.id]["bookable"] is False
    assert slots[far.id]["bookable"] is False
    assert [s["start"] for s in body["slots"]] == sorted(s["start"] for s in body["slots"])


def test_default_range_is_four_weeks_from_today_at_the_post(client, desk):
    body = get(client, desk).get_json()
    assert (body["from"], body["to"]) == ("2027-01-11", "2027-02-07")


def test_range_and_lookup_errors(client, make, desk):
    too_long = get(client, desk, **{"from": "2027-01-01", "to": "2027-03-04"})
    assert (too_long.status_code, too_long.get_json()["error"]) == (422, "date_range_too_long")
    assert "62" in too_long.get_json()["message"]
    assert get(client, desk, **{"from": "2027-01-01", "to": "2027-03-03"}).status_code == 200
    backwards = get(client, desk, **{"from": "2027-01-10", "to": "2027-01-09"})
    assert (backwards.status_code, backwards.get_json()["error"]) == (422, "invalid_date_range")
    assert get(client, desk, **{"from": "2027-02-30"}).status_code == 422
    missing_service = client.get(f"/api/v1/posts/{desk.post}/availability")
    assert missing_service.status_code == 422
    unknown = get(client, desk, service="no_such_service")
    assert (unknown.status_code, unknown.get_json()["error"]) == (404, "service_not_found")
    unoffered = get(client, desk, service=make.service_type().code)
    assert (unoffered.status_code, unoffered.get_json()["error"]) == (422, "service_not_offered")
    nowhere = get(client, desk, post="XX-NONE")
    assert (nowhere.status_code, nowhere.get_json()["error"]) == (404, "post_not_found")


def test_etag_and_not_modified(client, make, desk):
    first = get(client, desk)
    again = client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service},
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    book(client, desk)  # a seat is taken: the representation changes
    changed = client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service},
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert changed.status_code == 200
    assert changed.get_json()["slots"][0]["remaining"] == 1


def test_rate_limited_per_ip(app, client, desk, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "2/minute")
    statuses = [get(client, desk).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert get(client, desk).get_json()["error"] == "rate_limited"


def test_a_limit_says_when_to_come_back_without_headers_on_every_answer(
    app, client, desk, monkeypatch
):
    # X-RateLimit-* would cost a Redis round trip per limit on every answer: only the 429
    # says when to come back, from the breached window.
    # A 10-second window: the fallback answer (60) would fail the bound below.
    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "2 per 10 seconds")
    allowed = get(client, desk)
    assert not [h for h in allowed.headers.keys() if h.lower().startswith("x-ratelimit")]
    get(client, desk)
    refused = get(client, desk)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 10


def test_retry_after_never_promises_more_than_the_breached_window(app, monkeypatch):
    # A window that ends on a whole second: Flask-Limiter's ``reset_at`` (rounded up and
    # padded by one second) would make this 11 for a 10-second window.
    import math

    from limits import parse
    from limits.util import WindowStats

    from api import errors
    from api.extensions import limiter

    class Breached:
        limit = parse("2 per 10 seconds")
        window = WindowStats(math.floor(errors.time.time()) + 10, 0)  # the limiter's clock
        reset_at = int(window.reset_time + 1)  # as flask_limiter.RequestLimit has it

    monkeypatch.setattr(type(limiter), "current_limit", property(lambda self: Breached()))
    with app.test_request_context():
        assert errors._retry_after_of_breached_limit() == "10"
