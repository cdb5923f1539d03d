"""Release day's taps on a full slot answered in front of Flask (``api.edge_refusals``): the
same answer as the app's, the same rate-limit budgets, and nothing else answered there."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.api.edge_support import reaching_flask
from tests.services.appointments.appointment_support import START, URL, book, revoke_sessions
from tests.statements import statements_of

PER_ANSWER = {"X-Request-ID", "Date", "Content-Length"}


@pytest.fixture
def full(make, desk, client):
    """A one-seat slot of the desk's service, taken by another citizen."""
    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=1)
    other = make.citizen()
    taken = book(
        client,
        desk,
        headers=make.auth(other),
        applicant_id=make.applicant(other).id,
        slot_id=slot.id,
    )
    assert taken.status_code == 201
    return slot.id


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_ANSWER}


def test_the_second_refusal_is_answered_in_front_of_flask_with_the_apps_own_answer(
    app, client, desk, full
):
    with reaching_flask(app) as seen:
        first = book(client, desk, slot_id=full)
        second = book(
            client, desk, slot_id=full, headers={**desk.headers, "X-Request-ID": "phone-tap-0002"}
        )
    assert first.status_code == second.status_code == 409
    assert seen == [URL]  # the first went through the app, the second did not
    assert second.get_data() == first.get_data()
    assert _headers(second) == _headers(first)
    assert second.headers["X-Request-ID"] == "phone-tap-0002"
    assert second.headers["Content-Length"] == str(len(second.get_data()))


def test_each_language_is_answered_in_its_own_words(app, client, desk, full):
    english = book(client, desk, slot_id=full)
    vietnamese_headers = {**desk.headers, "Accept-Language": "vi"}
    with reaching_flask(app) as seen:
        first_vi = book(client, desk, slot_id=full, headers=vietnamese_headers)
        second_vi = book(client, desk, slot_id=full, headers=vietnamese_headers)
        second_en = book(client, desk, slot_id=full)
    assert seen == [URL]  # only the first Vietnamese one went through the app
    assert second_vi.get_json() == first_vi.get_json() != english.get_json()
    assert second_en.get_json() == english.get_json()


@pytest.mark.parametrize(
    "change, status, error",
    [
        ({"anonymous": True}, 401, "unauthorized"),
        ({"headers": {"Authorization": "Bearer nope"}}, 401, "token_invalid"),
        ({"key": "has space"}, 400, "idempotency_key_invalid"),
        ({"body": {"applicant_id": 1, "slot_id": 1, "service": "x"}}, 422, "validation_error"),
        ({"body": {"applicant_id": 1, "post": "FR-PAR", "service": "x", "slot_id": 2**40}}, 422, "validation_error"),
        ({"query": "?debug=1"}, 422, "validation_error"),
        ({"raw": ("text/plain", b"{}")}, 415, "unsupported_media_type"),
        ({"raw": ("application/json", b"{not json")}, 400, "invalid_json"),
        ({"bom": True}, 400, "invalid_json"),
        ({"utf16": True}, 400, "invalid_json"),
        ({"lowercase_bearer": True}, 401, "unauthorized"),
    ],
)  # fmt: skip
def test_what_the_app_answers_otherwise_still_reaches_it(
    app, client, desk, full, change, status, error
):
    assert book(client, desk, slot_id=full).status_code == 409  # the answer is kept now
    headers = {} if change.get("anonymous") else {**desk.headers, **change.get("headers", {})}
    if "key" in change:
        headers["Idempotency-Key"] = change["key"]
    body = change.get(
        "body",
        {
            "applicant_id": desk.applicant_id,
            "post": desk.post,
            "service": desk.service,
            "slot_id": full,
        },
    )
    if change.get("lowercase_bearer"):
        headers["Authorization"] = headers["Authorization"].replace("Bearer ", "bearer ")
    if change.get("bom") or change.get("utf16"):
        text = json.dumps(body)
        encoded = b"\xef\xbb\xbf" + text.encode() if change.get("bom") else text.encode("utf-16")
        change = {**change, "raw": ("application/json", encoded)}
    with reaching_flask(app) as seen:
        if "raw" in change:
            content_type, data = change["raw"]
            response = client.post(URL, data=data, content_type=content_type, headers=headers)
        else:
            response = client.post(URL + change.get("query", ""), json=body, headers=headers)
    assert (response.status_code, response.get_json()["error"]) == (status, error)
    assert seen == [URL]


def test_an_unverified_or_revoked_caller_is_not_refused_at_the_edge(app, client, make, desk, full):
    assert book(client, desk, slot_id=full).status_code == 409
    unverified = make.citizen(email_verified=False)
    response = book(
        client,
        desk,
        headers=make.auth(unverified),
        applicant_id=make.applicant(unverified).id,
        slot_id=full,
    )
    assert (response.status_code, response.get_json()["error"]) == (403, "email_not_verified")
    revoke_sessions(app, desk.citizen.id)
    response = book(client, desk, slot_id=full)
    assert (response.status_code, response.get_json()["error"]) == (401, "token_revoked")


def test_a_key_with_a_record_is_replayed_by_the_app_not_refused(app, client, make, desk):
    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=1)
    headers = {**desk.headers, "Idempotency-Key": "took-the-last-seat"}
    first = book(client, desk, headers=headers, slot_id=slot.id)
    assert first.status_code == 201
    other = make.citizen()
    assert (
        book(
            client,
            desk,
            headers=make.auth(other),
            applicant_id=make.applicant(other).id,
            slot_id=slot.id,
        ).status_code
        == 409
    )  # a slot_full is kept
    again = book(client, desk, headers=headers, slot_id=slot.id)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


def test_edge_refusals_count_against_the_apps_budgets(app, client, make, desk, full, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "3/minute")
    statuses = []
    with reaching_flask(app) as seen:
        for _ in range(3):
            statuses.append(book(client, desk, slot_id=full).status_code)
        # The budget is the app's: a booking of a free slot, through the app, is over it now.
        statuses.append(book(client, desk).status_code)
    assert statuses == [409, 409, 409, 429]
    assert len(seen) == 2  # the first refusal (kept then) and the 429


def test_a_breach_after_a_counted_window_is_answered_here_with_the_apps_429(
    app, client, make, desk, full, monkeypatch
):
    # Per IP 1/second is judged first (the shorter window) and has room; per account
    # 1/minute is then spent: the edge has counted the first, so it answers the 429 itself.
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_IP", "100/second")
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "2/minute")
    assert book(client, desk, slot_id=full).status_code == 409  # through the app, kept
    assert book(client, desk, slot_id=full).status_code == 409  # at the edge
    with reaching_flask(app) as seen:
        edge = book(client, desk, slot_id=full)
    assert seen == []
    assert edge.status_code == 429
    assert edge.get_json()["error"] == "rate_limited"
    assert 1 <= int(edge.headers["Retry-After"]) <= 60
    app_answer = book(client, desk)  # a free slot: the app's own 429, for comparison
    assert app_answer.status_code == 429
    assert edge.get_json() == app_answer.get_json()
    assert set(_headers(edge)) == set(_headers(app_answer))


def test_the_edge_counts_the_windows_the_app_judges_a_booking_by(
    app, client, make, desk, full, monkeypatch
):
    """If a limit is added to the booking route or a key changes, this fails: the edge must
    count exactly what Flask-Limiter counts for the same caller."""
    from api.extensions import limiter

    counted: list[tuple[str, tuple[str, ...]]] = []
    strategy = limiter.limiter
    real_hit = strategy.hit

    def recording(item, *args, **kwargs):
        counted.append((str(item), args))
        return real_hit(item, *args, **kwargs)

    monkeypatch.setattr(strategy, "hit", recording)
    assert book(client, desk, slot_id=full).status_code == 409  # through the app
    by_app = sorted(counted)
    counted.clear()
    assert book(client, desk, slot_id=full).status_code == 409  # at the edge
    assert sorted(counted) == by_app and len(by_app) >= 2


def test_a_booking_the_edge_let_through_is_not_asked_the_same_question_again(
    app, client, desk, full
):

    assert book(client, desk, slot_id=full).status_code == 409  # a slot_full is kept
    with statements_of(app) as statements:
        booked = book(client, desk)  # a free slot: the edge asks, then lets it through
    assert booked.status_code == 201
    asked = [s for s in statements if "FROM login_session, account" in s]
    assert len(asked) == 1, asked


@pytest.mark.redis
def test_on_redis_an_edge_refusal_is_one_statement_and_one_round_trip(
    app, redis_limited_app, desk, full, round_trips
):

    client = redis_limited_app.test_client()
    assert book(client, desk, slot_id=full).status_code == 409  # through the app: kept
    round_trips.clear()
    with statements_of(redis_limited_app) as statements:
        with reaching_flask(redis_limited_app) as seen:
            refused = book(client, desk, slot_id=full)
    assert refused.status_code == 409 and seen == []
    assert len(statements) == 1
    assert len(round_trips) == 1


def test_kept_answers_belong_to_their_app_and_go_with_it():
    """Kept per app object, not per id(): a later app (the tests make many; a new one may
    be given a collected one's id) never replays another app's answers."""
    import gc
    import weakref

    from api import edge

    class App:  # any object stands for a Flask app here
        pass

    first, second = App(), App()
    edge._of(edge._kept, first)[("/p", 409, "en")] = (b"first's", ())
    assert edge.kept(first, "/p", 409, "en") == (b"first's", ())
    assert edge.kept(second, "/p", 409, "en") is None
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None
    assert all((b"first's", ()) not in kept.values() for kept in edge._kept.values())


def test_an_app_given_a_collected_apps_id_does_not_replay_its_answers():
    """CPython gives a new object the memory, and so the id(), of one just collected: the
    answers kept for the first are not the second's."""
    import gc

    from api import edge

    class App:
        pass

    # One of the next thousand objects usually gets the id; not always (about one try in
    # twenty, other allocations took the memory), so the case is made again until it does.
    for _attempt in range(20):
        first = App()
        edge._of(edge._kept, first)[("/p", 409, "en")] = (b"first's", ())
        first_id = id(first)
        del first
        gc.collect()
        later = [App() for _ in range(1000)]
        same = [app for app in later if id(app) == first_id]
        if same:
            break
    else:
        pytest.fail("no new object was given a collected one's id (CPython reuses memory)")
    assert edge.kept(same[0], "/p", 409, "en") is None
