"""The public lookups answered in front of Flask (``api.edge_lookups``): the app's answers
byte for byte, its budgets and keys, and everything else left to the app."""

from __future__ import annotations

import json

import pytest

from tests.api.edge_support import reaching_flask
from tests.services.applications.lookup_support import right, wrong

PROGRESS = "/api/v1/applications/lookup"
LEGALIZATION = "/api/v1/legalizations/lookup"
PER_ANSWER = {"X-Request-ID", "Date", "Content-Length"}


@pytest.fixture
def record(make):
    post = make.post(code="FR-PAR", city="Paris")
    return make.legalization(
        post,
        authentication_number="2026-001234",
        sub_number="2",
        sticker_number="SK00098765",
        submitter_name="Nguyễn Văn An",
    )


def numbers(record, **overrides) -> dict:
    return {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
        **overrides,
    }


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_ANSWER}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_progress_lookup_is_answered_in_front_of_flask_as_the_app_answers_it(
    app, client, application, language
):
    headers = {"Accept-Language": language}
    missed_by_app = client.post(PROGRESS, json=wrong(application), headers=headers)
    by_app = client.post(PROGRESS, json=right(application), headers=headers)  # kept
    assert (by_app.status_code, missed_by_app.status_code) == (200, 404)
    with reaching_flask(app) as seen:
        hit = client.post(PROGRESS, json=right(application), headers=headers)
        miss = client.post(PROGRESS, json=wrong(application), headers=headers)
    assert seen == []
    assert hit.status_code == 200 and miss.status_code == 404
    assert hit.get_data() == by_app.get_data()
    assert miss.get_data() == missed_by_app.get_data()
    assert _headers(hit) == _headers(by_app)
    assert _headers(miss) == _headers(missed_by_app)
    assert hit.headers["Content-Length"] == str(len(hit.get_data()))


def test_a_legalization_lookup_is_answered_in_front_of_flask_as_the_app_answers_it(
    app, client, record
):
    missed_by_app = client.post(LEGALIZATION, json=numbers(record, sub_number="9"))
    by_app = client.post(LEGALIZATION, json=numbers(record))  # kept
    with reaching_flask(app) as seen:
        hit = client.post(LEGALIZATION, json=numbers(record))
        miss = client.post(LEGALIZATION, json=numbers(record, sub_number="9"))
    assert seen == []
    assert (hit.get_data(), miss.get_data()) == (by_app.get_data(), missed_by_app.get_data())
    assert _headers(hit) == _headers(by_app) and _headers(miss) == _headers(missed_by_app)


def test_misses_in_front_of_flask_count_against_the_apps_budgets(
    app, client, application, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP", "3/hour")
    assert client.post(PROGRESS, json=right(application)).status_code == 200  # kept
    assert client.post(PROGRESS, json=wrong(application)).status_code == 404  # a first miss
    with reaching_flask(app) as seen:
        statuses = [client.post(PROGRESS, json=wrong(application)).status_code for _ in range(3)]
        # The holder's right answer from the same address waits too: (number, IP) is spent.
        statuses.append(client.post(PROGRESS, json=right(application)).status_code)
    assert statuses == [404, 404, 429, 429]
    # The per-IP window (judged first) took each request's hit before the per-(number, IP)
    # breach, so the 429s are answered in front of Flask too, in the app's envelope.
    assert seen == []
    limited = client.post(PROGRESS, json=right(application))
    assert limited.get_json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "body, query, status",
    [
        ({"number": "x"}, "", 422),
        ({"number": "x", "surname": "y", "date_of_birth": "not a date"}, "", 422),
        (None, "?debug=1", 422),
    ],
)
def test_what_the_app_answers_otherwise_still_reaches_it(
    app, client, application, body, query, status
):
    client.post(PROGRESS, json=right(application))
    client.post(PROGRESS, json=wrong(application))
    with reaching_flask(app) as seen:
        response = client.post(PROGRESS + query, json=body or right(application))
    assert response.status_code == status
    assert seen == [PROGRESS]


def test_the_edge_judges_the_windows_the_app_judges_a_lookup_by(
    app, client, application, monkeypatch
):
    """If a limit is added to the lookup or a key changes, this fails: the edge must count
    exactly what the view counts for the same caller."""
    from api.extensions import limiter

    judged: list[tuple[str, tuple[str, ...], str]] = []
    strategy = limiter.limiter
    real_hit, real_test = strategy.hit, strategy.test

    def hit(item, *args, **kwargs):
        judged.append((str(item), args, "hit"))
        return real_hit(item, *args, **kwargs)

    def test(item, *args, **kwargs):
        judged.append((str(item), args, "test"))
        return real_test(item, *args, **kwargs)

    monkeypatch.setattr(strategy, "hit", hit)
    monkeypatch.setattr(strategy, "test", test)
    by_app = []
    for body in (right(application), wrong(application)):  # through the app, kept
        judged.clear()
        client.post(PROGRESS, json=body)
        by_app.append(sorted(judged))
    at_edge = []
    with reaching_flask(app) as seen:
        for body in (right(application), wrong(application)):
            judged.clear()
            client.post(PROGRESS, json=body)
            at_edge.append(sorted(judged))
    assert seen == []
    assert at_edge == by_app and all(len(windows) >= 3 for windows in by_app)


@pytest.mark.redis
def test_on_redis_a_hit_is_one_round_trip_and_a_miss_two(
    redis_limited_app, application, round_trips
):
    client = redis_limited_app.test_client()
    client.post(PROGRESS, json=right(application))
    client.post(PROGRESS, json=wrong(application))
    with reaching_flask(redis_limited_app) as seen:
        round_trips.clear()
        assert client.post(PROGRESS, json=right(application)).status_code == 200
        hit_trips = len(round_trips)
        round_trips.clear()
        assert client.post(PROGRESS, json=wrong(application)).status_code == 404
    assert seen == []
    assert (hit_trips, len(round_trips)) == (1, 2)


def test_lookup_answers_are_never_stored_in_flask_or_in_front_of_it(app, client, application):
    answers = [
        client.post(PROGRESS, json=body) for body in (right(application), wrong(application))
    ]
    answers += [
        client.post(PROGRESS, json=body) for body in (right(application), wrong(application))
    ]
    assert [a.status_code for a in answers] == [200, 404, 200, 404]
    assert {a.headers.get("Cache-Control") for a in answers} == {"no-store"}


def test_an_answer_to_a_cors_request_is_never_kept_for_others(
    app, client, application, monkeypatch
):
    monkeypatch.setitem(app.config, "CORS_ALLOWED_ORIGINS", ("https://partner.example",))
    cors = client.post(
        PROGRESS, json=right(application), headers={"Origin": "https://partner.example"}
    )
    assert cors.headers.get("Access-Control-Allow-Origin") == "https://partner.example"
    with reaching_flask(app) as seen:
        plain = client.post(PROGRESS, json=right(application))  # not answered from that one
    assert seen == [PROGRESS]
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_a_body_the_app_refuses_is_refused_in_front_of_it_too(app, client, record):
    client.post(LEGALIZATION, json=numbers(record))  # a 200 is kept
    text = json.dumps(numbers(record))
    for body in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), b"[" * 2000):
        response = client.post(LEGALIZATION, data=body, content_type="application/json")
        assert (response.status_code, response.get_json()["error"]) == (400, "invalid_json")


def test_a_lookup_the_database_fails_is_not_counted_twice(app, client, application, monkeypatch):
    """Counted in front of Flask, then handed to the app (the service failed): the app's
    view must not count the same request again."""
    from services.applications import public
    from services.core.errors import ServiceUnavailable

    monkeypatch.setitem(app.config, "RATELIMIT_PROGRESS_LOOKUP_PER_IP", "4/minute")
    assert client.post(PROGRESS, json=right(application)).status_code == 200  # 1, kept
    real, failures = public.lookup, [2]

    def outage(*args, **kwargs):
        if failures[0]:
            failures[0] -= 1
            raise ServiceUnavailable()
        return real(*args, **kwargs)

    monkeypatch.setattr(public, "lookup", outage)
    assert client.post(PROGRESS, json=right(application)).status_code == 503  # 2
    statuses = [client.post(PROGRESS, json=right(application)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # 3 and 4 within the budget of 4, then over
