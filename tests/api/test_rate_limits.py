"""Rate limits judged in one Redis round trip (api/rate_limits.py): the same budgets, keys and
answers as Flask-Limiter's, one round trip per request (two on a counted miss), the
in-memory fallback, and the public lookups' answers equal to what their schemas document."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import parse

from api.extensions import limiter
from tests.services.applications.lookup_support import right, wrong

PROGRESS = "/api/v1/applications/lookup"
LEGALIZATION = "/api/v1/legalizations/lookup"


def from_ip(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


@pytest.mark.redis
def test_a_lookup_judges_its_five_windows_in_one_round_trip(
    redis_limited_app, application, round_trips
):
    client = redis_limited_app.test_client()
    assert client.post(PROGRESS, json=right(application)).status_code == 200  # loads the script
    round_trips.clear()
    assert client.post(PROGRESS, json=right(application)).status_code == 200
    assert len(round_trips) == 1
    round_trips.clear()
    # A miss is counted against the per-number limits after the answer: one more.
    assert client.post(PROGRESS, json=wrong(application)).status_code == 404
    assert len(round_trips) == 2


@pytest.mark.redis
def test_on_redis_the_budgets_are_flask_limiters(redis_limited_app, application):
    client = redis_limited_app.test_client()
    assert redis_limited_app.config["RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP"] == "10/hour"
    per_pair = 10
    statuses = [
        client.post(PROGRESS, json=wrong(application), **from_ip("203.0.113.5")).status_code
        for _ in range(per_pair + 1)
    ]
    assert statuses == [404] * per_pair + [429]
    blocked = client.post(PROGRESS, json=right(application), **from_ip("203.0.113.5"))
    assert blocked.status_code == 429
    assert blocked.get_json()["error"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 3600
    # The holder, elsewhere, is not blocked by strangers' misses.
    assert client.post(PROGRESS, json=right(application), **from_ip("192.0.2.1")).status_code == 200
    # Every request from one address counts (30/minute), hits and misses alike.
    statuses = [
        client.post(PROGRESS, json=right(application), **from_ip("192.0.2.2")).status_code
        for _ in range(31)
    ]
    assert statuses == [200] * 30 + [429]
    refused = client.post(PROGRESS, json=right(application), **from_ip("192.0.2.2"))
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Flask-Limiter reads the same counters under the same keys (a shared scope is one
    # budget whichever of the two judges a route), and its reset empties them.
    item = parse("30/minute")
    assert limiter.limiter.get_window_stats(item, "192.0.2.2", "progress-ip").remaining == 0
    limiter.reset()
    assert limiter.limiter.get_window_stats(item, "192.0.2.2", "progress-ip").remaining == 30
    assert client.post(PROGRESS, json=right(application), **from_ip("192.0.2.2")).status_code == 200


def test_in_memory_the_budgets_are_flask_limiters_too(client, application):
    for _ in range(3):
        assert client.post(PROGRESS, json=right(application), **from_ip("192.0.2.3")).status_code
    item = parse("30/minute")
    assert limiter.limiter.get_window_stats(item, "192.0.2.3", "progress-ip").remaining == 27
    hour = parse("10/hour")
    number_key = "progress-number:" + application.number
    pair_key = number_key + "|ip:192.0.2.3"
    assert limiter.limiter.get_window_stats(hour, pair_key, "progress-number-ip").remaining == 10
    client.post(PROGRESS, json=wrong(application), **from_ip("192.0.2.3"))
    assert limiter.limiter.get_window_stats(hour, pair_key, "progress-number-ip").remaining == 9


def test_the_legalization_checks_share_one_budget(client, make):
    post = make.post(code="FR-PAR", city="Paris")
    record = make.legalization(post)
    numbers = {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
    }
    for _ in range(29):
        assert client.post(LEGALIZATION, json=numbers).status_code == 200
    # The sealed check, the signed link and the human page count in the same budget.
    assert client.post("/api/v1/legalizations/verify", json={"payload": "PSH1:x"}).status_code in (
        404,
        422,
    )
    assert client.post(LEGALIZATION, json=numbers).status_code == 429


def test_limits_switched_off_limit_nothing(client, application):
    limiter.enabled = False
    try:
        statuses = {client.post(PROGRESS, json=wrong(application)).status_code for _ in range(40)}
    finally:
        limiter.enabled = True
    assert statuses == {404}


def test_the_progress_answer_is_what_its_schema_documents(app, client, application):
    from schemas.applications import PublicProgressSchema
    from services.applications.public import lookup

    response = client.post(PROGRESS, json=right(application), headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    with app.test_request_context():
        expected = PublicProgressSchema().dump(
            lookup(application.number, "Nguyen", date(1990, 5, 17), language="vi")
        )
    assert response.get_json() == expected
    assert expected["timeline"] and expected["timeline"][0]["at"]


def test_the_legalization_answer_is_what_its_schema_documents(app, client, make):
    from schemas.legalizations import PublicLegalizationSchema
    from services.core.db import db
    from services.legalizations.legalizations import public_view
    from services.models import Legalization

    post = make.post(code="FR-PAR", city="Paris")
    officer = make.staff("officer", posts=[post.code])
    record = make.legalization(post, submitter_name="Nguyễn Văn An")
    revoked = client.post(
        f"/api/v1/staff/legalizations/{record.id}/revoke",
        json={"reason": "Forged notarial seal"},
        headers=make.auth(officer),
    )
    assert revoked.status_code == 200
    numbers = {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
    }
    response = client.post(LEGALIZATION, json=numbers)
    assert response.status_code == 200
    with app.test_request_context():
        expected = PublicLegalizationSchema().dump(
            public_view(db.session.get(Legalization, record.id))
        )
    assert response.get_json() == expected
    assert expected["revoked_at"] and expected["submitter_name"] == "N*** V** A*"


def test_a_limit_of_some_methods_leaves_the_others_alone(app):
    from api.extensions import client_ip
    from api.rate_limits import Limit, _windows

    seats = Limit("RATELIMIT_BOOKING_PER_IP", client_ip, scope="seats-ip", methods=("POST",))
    with app.test_request_context("/", method="GET"):
        assert _windows([seats]) == []
    with app.test_request_context("/", method="POST", environ_base={"REMOTE_ADDR": "192.0.2.9"}):
        windows = _windows([seats])
    # "30/minute;300/hour", shortest first, under Flask-Limiter's shared-limit key.
    assert [w.item.key_for(*w.args) for w in windows] == [
        "LIMITER/192.0.2.9/seats-ip/30/1/minute",
        "LIMITER/192.0.2.9/seats-ip/300/1/hour",
    ]


@pytest.mark.redis
def test_a_script_redis_forgot_is_loaded_again_and_the_request_counted_once(
    redis_limited_app, application
):
    """The script call is sent as prepared bytes (``api.rate_limits._send``): after a
    ``SCRIPT FLUSH`` (or a restart) it is loaded again, and the window counts one hit."""
    client = redis_limited_app.test_client()
    ip = {"environ_base": {"REMOTE_ADDR": "198.51.100.4"}}
    assert client.post(PROGRESS, json=right(application), **ip).status_code == 200
    from api.rate_limit_redis import script

    redis = limiter.storage.get_connection()
    redis.script_flush()
    assert client.post(PROGRESS, json=right(application), **ip).status_code == 200
    assert redis.script_exists(script(limiter.storage).sha) == [True]
    assert limiter._storage_dead is False  # no fall back to memory
    item = parse("30/minute")
    stats = limiter.limiter.get_window_stats(item, "198.51.100.4", "progress-ip")
    assert stats.remaining == 28


@pytest.mark.redis
def test_a_connection_redis_dropped_is_replaced_without_an_outage(redis_limited_app, application):
    from api import rate_limit_redis

    client = redis_limited_app.test_client()
    ip = {"environ_base": {"REMOTE_ADDR": "198.51.100.5"}}
    assert client.post(PROGRESS, json=right(application), **ip).status_code == 200
    redis = limiter.storage.get_connection()
    # Every connection of this process's (the suite's other workers share this Redis: theirs
    # must live on, or their own round-trip counts see a reconnection).
    pool = redis.connection_pool
    ours = [*pool._available_connections, *pool._in_use_connections]
    ours += rate_limit_redis._idle_redis[id(pool)][2]
    addresses = {"{}:{}".format(*c._sock.getsockname()[:2]) for c in ours if c._sock is not None}
    assert addresses
    for address in addresses:
        redis.client_kill_filter(addr=address)
    assert client.post(PROGRESS, json=right(application), **ip).status_code == 200
    assert limiter._storage_dead is False  # no fall back to memory
    item = parse("30/minute")
    stats = limiter.limiter.get_window_stats(item, "198.51.100.5", "progress-ip")
    assert stats.remaining == 28


@pytest.mark.redis
def test_the_prepared_call_is_the_one_redis_py_would_send(redis_limited_app):
    from redis.connection import Connection

    from api.rate_limit_redis import command_of, script
    from api.rate_limits import _prepare
    from api.resources.applications import EDGE_LOOKUP

    with redis_limited_app.app_context():
        storage = limiter.storage
        windows = _prepare(
            EDGE_LOOKUP.keyed_limits({"number": "FRPAR-2026-1"}, "192.0.2.1")
        ).windows
        command = command_of(storage, windows, "check")
    assert len(windows) == 5
    parts = command.split(b"\r\n")
    keys = [part.decode() for part in parts[8:28:2]]
    argv = [part.decode() for part in parts[28:-1:2]]
    expected = Connection().pack_command("EVALSHA", script(storage).sha, len(keys), *keys, *argv)
    assert command == b"".join(expected)
    assert argv[0] == "check" and keys[1] == "LIMITS:{LIMITER/192.0.2.1/progress-ip/30/1/minute}"


def test_a_changed_setting_is_judged_at_once_though_the_call_is_prepared(
    app, client, application, monkeypatch
):
    ip = {"environ_base": {"REMOTE_ADDR": "198.51.100.6"}}
    assert client.post(PROGRESS, json=right(application), **ip).status_code == 200
    monkeypatch.setitem(app.config, "RATELIMIT_PROGRESS_LOOKUP_PER_IP", "2/minute")
    statuses = [client.post(PROGRESS, json=right(application), **ip).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # "2/minute" is a budget of its own (its own key)


# Lone surrogates: JSON lets a body carry them ("\\ud800"), so a key made from a body can.
_SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)
_WITH_SURROGATES = st.tuples(st.text(max_size=20), _SURROGATES).map("".join)


@pytest.mark.redis
def test_a_key_with_a_lone_surrogate_is_judged_on_redis(redis_limited_app):
    """A key that held a lone surrogate could not be encoded, which was taken for Redis
    failing: the whole process then judged every request against its own in-memory budgets.
    Bodies with one are refused before any key is made (tests/api/test_hostile_bodies.py);
    a key that has one anyway is sent as it came."""
    from api.rate_limits import judge_outside_flask
    from api.resources.applications import EDGE_LOOKUP

    limiter._storage_dead = False
    with redis_limited_app.app_context():
        keyed = EDGE_LOOKUP.keyed_limits({"number": "FRPAR-\ud800"}, "192.0.2.77")
        counted, breach = judge_outside_flask(keyed, {})
    assert (counted, breach) == (True, None)
    assert limiter._storage_dead is False


@pytest.mark.redis
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    number=st.text(max_size=60) | _WITH_SURROGATES,
    ip=st.text(max_size=45) | _WITH_SURROGATES,
)
def test_a_callers_call_is_packed_from_its_limits_shape_as_from_scratch(
    redis_limited_app, number, ip
):
    """Whoever the caller (any key text: slashes, braces, non-ASCII, the frame's own
    placeholder), the call packed around its keys is the call ``command_of`` packs from its
    windows, in both modes."""
    from api.rate_limit_redis import KEY_HOLE, command_of
    from api.rate_limits import _prepare
    from api.resources.applications import EDGE_LOOKUP

    with redis_limited_app.app_context():
        storage = limiter.storage
        for caller_ip in (ip, KEY_HOLE, ip + KEY_HOLE):
            prepared = _prepare(EDGE_LOOKUP.keyed_limits({"number": number}, caller_ip))
            for mode in ("check", "deduct"):
                assert prepared.shape.frame(storage, mode) is not None  # packed from it
                expected = command_of(storage, prepared.windows_for(mode), mode)
                assert prepared.command(storage, mode) == expected


def test_new_callers_share_their_limits_shape_and_keep_nothing_of_their_own(app, monkeypatch):
    """A surge's thousand callers, each new: one shape for all of them (nothing kept per
    caller, no cache to fill and empty), and the shapes kept are bounded."""
    from api import rate_limits
    from api.resources.legalizations import EDGE_LOOKUP

    rate_limits._shapes.clear()
    with app.app_context():
        first = rate_limits._prepare(EDGE_LOOKUP.keyed_limits({}, "192.0.2.1"))
        for n in range(1000):
            prepared = rate_limits._prepare(
                EDGE_LOOKUP.keyed_limits({}, f"10.0.{n // 256}.{n % 256}")
            )
            assert prepared.shape is first.shape
            assert prepared._windows is None  # the windows themselves are made when needed
        assert len(rate_limits._shapes) == 1
        # A limit's empty key skips it: another shape, with fewer windows.
        skipped = rate_limits._prepare(
            [(limit, "") for limit, _ in EDGE_LOOKUP.keyed_limits({}, "x")]
        )
        assert skipped.shape is not first.shape and skipped.shape.specs == ()
        for n in range(rate_limits._SHAPES_MAX + 5):
            monkeypatch.setitem(
                app.config, "RATELIMIT_LEGALIZATION_LOOKUP_PER_IP", f"{n + 1}/minute"
            )
            rate_limits._prepare(EDGE_LOOKUP.keyed_limits({}, "192.0.2.1"))
        assert len(rate_limits._shapes) <= rate_limits._SHAPES_MAX


@pytest.mark.redis
@pytest.mark.parametrize(
    "layout",
    [
        lambda key: key.replace("\x00", "0"),  # the key's text changed on its way in
        lambda key: f"{key}:{len(key)}",  # something of the key's besides its text
    ],
    ids=["key rewritten", "key measured"],
)
def test_a_key_layout_the_frame_cannot_hold_is_packed_from_scratch(
    redis_limited_app, application, monkeypatch, caplog, layout
):
    """Should ``limits`` stop writing a caller's key verbatim into its Redis keys, the frame
    refuses to be made and every call is packed from its windows: the same budgets."""
    from limits.storage import RedisStorage

    from api import rate_limits

    rate_limits._shapes.clear()
    original = RedisStorage.prefixed_key
    monkeypatch.setattr(RedisStorage, "prefixed_key", lambda self, key: original(self, layout(key)))
    client = redis_limited_app.test_client()
    statuses = [
        client.post(PROGRESS, json=right(application), **from_ip("198.51.100.7")).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    assert "rate limit calls packed one by one" in caplog.text
    (shape,) = rate_limits._shapes.values()
    assert shape.frames["check"][1] is None
    item = parse("30/minute")
    stats = limiter.limiter.get_window_stats(item, "198.51.100.7", "progress-ip")
    assert stats.remaining == 27


@pytest.mark.redis
def test_the_script_calls_keep_their_connections_per_process(
    redis_limited_app, application, monkeypatch
):
    from api import rate_limit_redis

    client = redis_limited_app.test_client()
    assert client.post(PROGRESS, json=right(application)).status_code == 200
    pool = limiter.storage.get_connection().connection_pool
    kept = rate_limit_redis._idle_redis[id(pool)][2]
    assert len(kept) == 1
    connection = kept[0]
    assert client.post(PROGRESS, json=right(application)).status_code == 200
    assert kept == [connection]  # the same connection, asked again
    # In a forked process the parent's connections are never used: new ones are made.
    monkeypatch.setattr(rate_limit_redis.os, "getpid", lambda: -1)
    assert client.post(PROGRESS, json=right(application)).status_code == 200
    assert rate_limit_redis._idle_redis[id(pool)][2][0] is not connection
