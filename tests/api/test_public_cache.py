"""The public answer cache (api/cache.py): catalogue and availability hits answered in front
of Flask with the same headers (availability's rate limit there: test_availability_edge.py),
and every local change that matters (a fee, a booking, a cancellation, a closure, a
rolled-back write) seen at once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from api import cache
from services.appointments import availability_version, slots
from services.catalogue import catalogue
from tests.services.appointments.appointment_support import book

SERVICES = "/api/v1/posts/JP-TYO/services"
SERVICES_RULE = "/api/v1/posts/<string:code>/services"


@pytest.fixture
def demo(app):
    from services.demo import seed_demo

    with app.app_context():
        seed_demo()


@pytest.fixture
def counted(monkeypatch):
    """Count the calls that reach the catalogue and availability services."""
    calls = {"services": 0, "availability": 0}
    real_services, real_availability = catalogue.post_services, slots.availability

    def post_services(*args, **kwargs):
        calls["services"] += 1
        return real_services(*args, **kwargs)

    def availability(*args, **kwargs):
        calls["availability"] += 1
        return real_availability(*args, **kwargs)

    monkeypatch.setattr(catalogue, "post_services", post_services)
    monkeypatch.setattr(slots, "availability", availability)
    return calls


def _metric(app, endpoint: str, status: str) -> float:
    from api.observability import REQUESTS

    return REQUESTS.labels("GET", endpoint, status)._value.get()


def test_catalogue_hit_skips_the_app_but_keeps_every_header(app, client, demo, counted):
    first = client.get(SERVICES)
    assert first.status_code == 200 and counted["services"] == 1
    before = _metric(app, "/api/v1/posts/<string:code>/services", "200")
    second = client.get(SERVICES, headers={"X-Request-ID": "trace-12345678"})
    assert counted["services"] == 1  # answered from the cache
    assert second.get_data() == first.get_data()
    for name in (
        "ETag",
        "Content-Type",
        "Vary",
        "X-Content-Type-Options",
        "Content-Security-Policy",
        "X-Frame-Options",
    ):
        assert second.headers[name] == first.headers[name], name
    assert second.headers["Content-Length"] == str(len(first.get_data()))
    assert second.headers["X-Request-ID"] == "trace-12345678"  # echoed, not the kept one
    assert client.get(SERVICES).headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert _metric(app, "/api/v1/posts/<string:code>/services", "200") == before + 2

    not_modified = client.get(SERVICES, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    assert "Content-Type" not in not_modified.headers
    weak = client.get(SERVICES, headers={"If-None-Match": "W/" + first.headers["ETag"]})
    assert weak.status_code == 304
    other = client.get(SERVICES, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert counted["services"] == 1


def test_language_auth_and_origin_are_never_mixed_up(app, client, make, demo, counted):
    english = client.get(SERVICES).get_json()
    vietnamese = client.get(SERVICES, headers={"Accept-Language": "vi"}).get_json()
    assert counted["services"] == 2  # one entry per negotiated language
    assert english != vietnamese
    assert client.get(SERVICES).get_json() == english
    assert client.get(SERVICES, headers={"Accept-Language": "vi"}).get_json() == vietnamese
    assert counted["services"] == 2

    # Personal and cross-origin requests always go through the app (and are never kept).
    citizen = make.auth(make.citizen())
    personal = client.get(SERVICES, headers=citizen)
    assert personal.headers["Cache-Control"] == "private, no-store"
    client.get(SERVICES, headers={"Origin": "https://evil.example"})
    assert counted["services"] == 4
    assert "Cache-Control" not in client.get(SERVICES).headers


def test_a_catalogue_change_is_seen_at_once(client, make, demo):
    etag = client.get(SERVICES).headers["ETag"]
    admin = make.auth(make.staff("admin"))
    changed = client.put(
        "/api/v1/admin/posts/JP-TYO/fees/passport_new", json={"amount": "9000"}, headers=admin
    )
    assert changed.status_code == 200
    again = client.get(SERVICES, headers={"If-None-Match": etag})
    assert again.status_code == 200
    fee = next(s for s in again.get_json() if s["code"] == "passport_new")["fee"]
    assert fee["amount_minor"] == 9000


def test_errors_are_not_kept(client, demo, monkeypatch):
    assert client.get("/api/v1/posts/XX-NONE").status_code == 404
    assert cache._entries == {}
    assert client.get("/api/v1/posts?contry=FR").status_code == 422
    assert cache._entries == {}


def test_off_when_the_lifetime_is_zero(app, client, demo, counted, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOGUE_CACHE_SECONDS", 0)
    client.get(SERVICES)
    client.get(SERVICES)
    assert counted["services"] == 2 and cache._entries == {}


def _expire_every_entry() -> None:
    import dataclasses

    for key, entry in list(cache._entries.items()):
        cache._entries[key] = dataclasses.replace(entry, expires=0.0)


def test_revalidations_refill_an_expired_entry_and_still_get_their_304(app, client, demo, counted):
    """Phones revalidate the catalogue with the ETag they hold. Once the entry has expired,
    the first revalidation refills it (the view renders the whole answer, which is kept)
    and still gets its 304; the next ones are answered from the cache again, not by the
    view (before, a 304 from the view was not kept, and every revalidation reached it)."""
    first = client.get(SERVICES)
    etag = first.headers["ETag"]
    _expire_every_entry()
    not_modified_before = _metric(app, SERVICES_RULE, "304")
    whole_before = _metric(app, SERVICES_RULE, "200")
    refilled = client.get(SERVICES, headers={"If-None-Match": etag})
    assert refilled.status_code == 304 and refilled.get_data() == b""
    assert refilled.headers["ETag"] == etag
    assert "Content-Type" not in refilled.headers and "Content-Length" not in refilled.headers
    assert refilled.headers["X-Request-ID"] and refilled.headers["Vary"]
    assert counted["services"] == 2  # the view rendered it once more
    assert _metric(app, SERVICES_RULE, "304") == not_modified_before + 1  # as answered
    assert _metric(app, SERVICES_RULE, "200") == whole_before
    for _ in range(3):
        again = client.get(SERVICES, headers={"If-None-Match": etag})
        assert again.status_code == 304
    whole = client.get(SERVICES)
    assert whole.get_data() == first.get_data() and whole.headers["ETag"] == etag
    assert counted["services"] == 2  # all from the refilled entry


def test_a_cold_cache_is_filled_by_a_revalidation_whatever_its_etag(client, demo, counted):
    etag = client.get(SERVICES).headers["ETag"]
    cache.clear()  # a worker restarted; the phones still hold the ETag
    for _ in range(2):
        assert client.get(SERVICES, headers={"If-None-Match": etag}).status_code == 304
    assert counted["services"] == 2  # the first revalidation filled it
    cache.clear()
    stale = client.get(SERVICES, headers={"If-None-Match": '"an-old-one"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag and stale.get_json()
    assert client.get(SERVICES, headers={"If-None-Match": etag}).status_code == 304
    assert counted["services"] == 3  # the second from the entry the 200 filled


@pytest.mark.parametrize(
    ("condition", "not_modified"),
    [
        ("{etag}", True),
        ("W/{etag}", True),
        ('"another", {etag}', True),
        ("*", True),
        ('"another"', False),
        ("", False),
        ("garbage", False),
    ],
)
def test_a_refill_answers_the_condition_as_a_hit_does(client, demo, condition, not_modified):
    etag = client.get(SERVICES).headers["ETag"]
    cache.clear()
    headers = {"If-None-Match": condition.format(etag=etag)}
    refilled = client.get(SERVICES, headers=headers)  # the view renders, the edge answers
    hit = client.get(SERVICES, headers=headers)  # from the entry it kept
    assert refilled.status_code == hit.status_code == (304 if not_modified else 200)
    assert refilled.headers["ETag"] == hit.headers["ETag"] == etag
    assert (refilled.get_data() == b"") is not_modified
    assert sorted(refilled.headers.keys()) == sorted(hit.headers.keys())


def test_other_routes_still_answer_their_own_revalidations(client):
    """Conditional GETs the cache does not keep (the docs' static assets) get the app's
    own answer, started as the app started it."""
    url = "/api/v1/docs/assets/redoc/redoc.standalone.js"
    first = client.get(url)
    assert first.status_code == 200 and first.headers.get("ETag")
    first.close()
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert cache._entries == {}


# --- availability -----------------------------------------------------------------------
@pytest.fixture
def cached_availability(app, monkeypatch):
    monkeypatch.setitem(app.config, "AVAILABILITY_CACHE_SECONDS", 60)


def _availability(client, desk, **headers):
    return client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service},
        headers=headers,
    )


def _remaining(response, slot_id: int) -> int:
    return next(s for s in response.get_json()["slots"] if s["id"] == slot_id)["remaining"]


def test_availability_is_kept_until_a_seat_moves(
    app, client, make, desk, cached_availability, counted
):
    first = _availability(client, desk)
    assert _remaining(first, desk.slot_id) == 2
    assert _availability(client, desk).get_data() == first.get_data()
    again = _availability(client, desk, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert counted["availability"] == 1

    booked = book(client, desk)
    assert booked.status_code == 201
    assert _remaining(_availability(client, desk), desk.slot_id) == 1
    assert counted["availability"] == 2

    cancelled = client.post(
        f"/api/v1/appointments/{booked.get_json()['id']}/cancel", headers=desk.headers
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert _remaining(_availability(client, desk), desk.slot_id) == 2

    officer = make.auth(make.staff("officer", posts=[desk.post]))
    closure = client.post(
        f"/api/v1/staff/posts/{desk.post}/closures",
        json={"first_day": desk.slot_start.date().isoformat(), "reason": {"en": "Holiday"}},
        headers=officer,
    )
    assert closure.status_code == 201, closure.get_json()
    closed = next(
        s for s in _availability(client, desk).get_json()["slots"] if s["id"] == desk.slot_id
    )
    assert (closed["closed"], closed["bookable"]) == (True, False)
    assert counted["availability"] == 4


def test_cached_availability_still_counts_against_the_rate_limit(
    app, client, desk, cached_availability, counted, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "2/minute")
    statuses = [_availability(client, desk).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert counted["availability"] == 1


def test_version_moves_on_commit_and_not_on_rollback(app, desk):
    from services.core.db import db
    from services.models import Slot

    with app.app_context():
        start = availability_version.current()
        db.session.execute(update(Slot).where(Slot.id == desk.slot_id).values(capacity=5))
        db.session.rollback()
        assert availability_version.current() == start
        db.session.execute(update(Slot).where(Slot.id == desk.slot_id).values(capacity=5))
        assert availability_version.current() == start  # not before the commit
        db.session.commit()
        moved = availability_version.current()
        assert moved != start
        slot = db.session.get(Slot, desk.slot_id)
        slot.capacity = 6  # through the unit of work, too
        db.session.commit()
        assert availability_version.current() != moved


def test_the_cache_keeps_to_its_byte_budget(app, client, demo, monkeypatch):
    # Every distinct query string is an entry: a caller varying it must not grow a worker.
    countries = ("FR", "JP", "US", "AU", "CL", "VN", "KW")
    for country in countries:
        client.get(f"/api/v1/posts?country={country}")
    largest = max(cache._charge(k, e) for k, e in cache._entries.items())
    cache.clear()
    budget = 5 * largest  # room for about five answers
    monkeypatch.setattr(cache, "_MAX_BYTES", budget)
    for country in countries * 3:
        assert client.get(f"/api/v1/posts?country={country}").status_code == 200
        assert cache._size <= budget
    assert cache._size == sum(cache._charge(k, e) for k, e in cache._entries.items())
    assert 0 < len(cache._entries) < len(countries)  # the oldest answers made room


def test_tiny_answers_are_charged_and_counted(app, client, demo, monkeypatch):
    # An empty list is 3 bytes; its key, headers and objects are not free, and the number
    # of entries has its own cap.
    monkeypatch.setattr(cache, "_MAX_ENTRIES", 10)
    for n in range(30):
        client.get(f"/api/v1/posts?country=ZW&page={n + 1}")
    assert len(cache._entries) <= 10
    assert cache._size >= 10 * cache._ENTRY_OVERHEAD


def test_varying_accept_language_does_not_multiply_entries(client, demo, counted):
    headers = [f"x-{n};q=0.{n % 9 + 1}, vi;q=0.1" for n in range(40)]
    for header in headers:
        response = client.get(SERVICES, headers={"Accept-Language": header})
        assert response.status_code == 200
    # All negotiate to Vietnamese: one entry, one call to the service.
    assert len(cache._entries) == 1
    assert counted["services"] == 1


def test_a_file_the_app_streams_is_passed_on_unread_on_a_revalidation(app):
    """The deferred start of conditional requests hands other routes' answers on as the
    app returned them: a static file stays the server's file wrapper, never read here."""
    from werkzeug.test import EnvironBuilder

    class FileWrapper:  # what a WSGI server offers for streaming a file
        def __init__(self, file, block_size=8192):
            self.file = file

        def __iter__(self):
            return iter(())

        def close(self):
            self.file.close()

    url = "/api/v1/docs/assets/redoc/redoc.standalone.js"
    environ = EnvironBuilder(path=url, headers={"If-None-Match": '"not-it"'}).get_environ()
    environ["wsgi.file_wrapper"] = FileWrapper
    started = []
    answer = app.wsgi_app(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        assert started == ["200 OK"] and isinstance(answer, FileWrapper)
    finally:
        answer.close()
