"""A body that does not parse, however it fails, is a 400 ``invalid_json`` in the envelope on
every JSON route, and never reaches a rate limiter's key function as an exception (which
Flask-Limiter would take for an outage of its storage)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.extensions import limiter
from api.json_body import MAX_DEPTH, nesting_depth, parse_json_text


def _nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


def _nested_objects(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


HOSTILE = {
    "arrays nested 100,000 deep": _nested(100_000),
    "objects nested 10,000 deep": _nested_objects(10_000),
    "one level too deep": _nested(MAX_DEPTH + 1),
    "deep inside a valid object": b'{"email": "a@b.org", "password": "x", "n": '
    + _nested(5_000)
    + b"}",
    "unclosed": _nested(50_000, "[", ""),
    "not UTF-8": b'{"email": "\xff\xfe@example.org", "password": "whatever 123"}',
    "UTF-16": json.dumps({"email": "a@b.org"}).encode("utf-16"),
    "truncated": b'{"email": "a@b.org", "password": ',
    "not JSON at all": b"email=a@b.org&password=x",
    "a lone surrogate byte sequence": b'{"email": "\xed\xa0\x80"}',
    # Valid JSON syntax (RFC 8259 8.2: "unpredictable"), but not Unicode text: it cannot be
    # encoded, and a rate limit's key made of it raised inside Flask-Limiter's storage call.
    "an escaped lone high surrogate": b'{"email": "a\\ud800@example.org", "password": "x"}',
    "an escaped lone low surrogate": b'{"number": "FRPAR-\\uDC00", "surname": "x"}',
    "a surrogate pair reversed": b'{"email": "\\udc00\\ud800@example.org"}',
    "a lone surrogate in a key": b'{"\\ud83d": 1, "email": "a@b.org"}',
}

# Public routes (no login needed), and two that need one.
ROUTES = [
    ("post", "/api/v1/auth/login", False),
    ("post", "/api/v1/auth/register", False),
    ("post", "/api/v1/auth/refresh", False),
    ("post", "/api/v1/applications/lookup", False),
    ("post", "/api/v1/legalizations/lookup", False),
    ("patch", "/api/v1/me", True),
    ("post", "/api/v1/applicants", True),
]


@pytest.fixture
def storage_watch():
    """Fails the test if Flask-Limiter went to its storage-error path meanwhile."""
    limiter._storage_dead = False
    yield
    dead = limiter._storage_dead
    limiter._storage_dead = False
    assert dead is False, "a rate-limit key function raised (storage-error path taken)"


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize(("method", "path", "logged_in"), ROUTES)
def test_a_body_that_does_not_parse_is_400_invalid_json(
    client, make, storage_watch, method, path, logged_in, name
):
    headers = make.auth(make.citizen()) if logged_in else {}
    response = getattr(client, method)(
        path, data=HOSTILE[name], content_type="application/json", headers=headers
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] == "invalid_json"
    assert body["code"] == 400 and body["message"]
    assert body["errors"]["json"]


def test_nesting_at_the_limit_is_parsed_and_validated(client, storage_watch):
    # The limit refuses depth, not size: a body nested exactly MAX_DEPTH deep reaches the
    # schema, which answers about the unknown field (422), not about the JSON.
    body = b'{"email": "a@b.org", "password": "whatever 123", "x": ' + _nested(MAX_DEPTH - 1)
    response = client.post("/api/v1/auth/login", data=body + b"}", content_type="application/json")
    assert response.status_code == 422
    assert "x" in response.get_json()["errors"]["json"]


def test_an_unknown_route_with_a_bad_body_is_still_404(client):
    response = client.post(
        "/api/v1/nowhere", data=_nested(100_000), content_type="application/json"
    )
    assert response.status_code == 404


def _all_limits():
    manager = limiter.limit_manager
    groups = list(manager._decorated_limits.values()) + list(manager._blueprint_limits.values())
    for group_set in groups:
        for group in group_set:
            yield from group


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_rate_limit_key_function_raises_on_a_hostile_body(app, name):
    with app.test_request_context(
        "/api/v1/auth/login", method="POST", data=HOSTILE[name], content_type="application/json"
    ):
        limits = list(_all_limits())  # a group reads its limit strings from the config
        assert len(limits) >= 10  # the limits of every resource were found
        for limit in limits:
            assert isinstance(limit.key_func(), str)


@given(
    st.recursive(
        st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_nesting_depth_is_the_depth_of_the_value(value):
    def depth(v) -> int:
        if isinstance(v, list):
            return 1 + max(map(depth, v), default=0)
        if isinstance(v, dict):
            return 1 + max(map(depth, v.values()), default=0)
        return 0

    # Brackets and escaped quotes inside strings do not count.
    text = json.dumps(value, ensure_ascii=False)
    assert nesting_depth(text) == depth(value)
    assert parse_json_text(text.encode()).value == value


def test_a_surrogate_pair_and_an_escaped_backslash_are_text():
    """Only a lone surrogate is refused: a pair is one character (an emoji in a name), and
    an escaped backslash followed by "ud800" is six characters of text."""
    paired = parse_json_text(b'{"name": "Nguy\\u1ec5n \\ud83d\\ude00"}')
    assert paired.ok and paired.value == {"name": "Nguyễn \U0001f600"}
    escaped = parse_json_text(b'{"note": "C:\\\\ud800"}')
    assert escaped.ok and escaped.value == {"note": "C:\\ud800"}


@given(st.text(alphabet='[]{}"\\ ,:a1', max_size=200))
def test_parsing_never_raises(text):
    parsed = parse_json_text(text.encode())
    assert parsed.ok in (True, False)


@pytest.mark.redis
def test_hostile_bodies_never_put_a_redis_limiter_on_its_fallback(redis_limited_app, caplog):
    client = redis_limited_app.test_client()
    limiter._storage_dead = False
    for body in HOSTILE.values():
        for _method, path, logged_in in ROUTES:
            if logged_in:
                continue
            response = client.post(path, data=body, content_type="application/json")
            assert response.status_code == 400
    assert limiter._storage_dead is False
    assert "falling back to in-memory storage" not in caplog.text
