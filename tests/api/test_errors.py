"""Every kind of error comes in one envelope, in the language the client asked for."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from api.errors import STATUS_FALLBACK
from services.core.i18n import ERROR_TEXTS, LOCALES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"

LANGUAGE_HEADERS = {
    "en": "en-GB,en;q=0.9",
    "zh-Hans": "zh-CN,zh;q=0.9",
    "zh-Hant": "zh-TW,zh;q=0.9",
    "vi": "vi-VN,vi;q=0.9,en;q=0.5",
}


@cache
def catalogue(language: str) -> dict[tuple[str | None, str], object]:
    path = TRANSLATIONS / LOCALES[language] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string
            for m in read_po(file)
            if m.id
        }


def expected_message(error: str, status: int, language: str, **params) -> str:
    """What the committed catalogue says for ``error`` (read here, not through the app)."""
    text = ERROR_TEXTS.get(error) or ERROR_TEXTS[STATUS_FALLBACK[status]]
    translated = catalogue(language)[(text.context, text.english)]
    if isinstance(translated, tuple):  # a plural entry: the general form
        translated = translated[-1]
    return translated % params


def assert_envelope(response, status: int, error: str, language: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status
    assert body["error"] == error
    assert isinstance(body["status"], str) and body["status"]
    assert body["message"] == expected_message(error, status, language, min_length=10)
    return body


@pytest.fixture
def raising_app(app, monkeypatch):
    """Make a public route fail unexpectedly, with personal data in the exception text."""
    from services.catalogue import catalogue

    def explode(**_kwargs):
        raise RuntimeError("kaboom with secret passport X1234567")

    monkeypatch.setattr(catalogue, "services_query", explode)
    return app


@pytest.mark.parametrize("language", list(LANGUAGE_HEADERS))
def test_every_error_kind_in_every_language(raising_app, client, make, language):
    headers = {"Accept-Language": LANGUAGE_HEADERS[language]}
    citizen = make.citizen()
    auth = {**headers, **make.auth(citizen)}

    assert_envelope(client.get("/api/v1/nowhere", headers=headers), 404, "not_found", language)
    body = assert_envelope(
        client.delete("/api/v1/posts", headers=headers), 405, "method_not_allowed", language
    )
    assert body
    body = assert_envelope(
        client.post("/api/v1/auth/register", json={"email": "x"}, headers=headers),
        422,
        "validation_error",
        language,
    )
    assert "email" in body["errors"]["json"]
    assert_envelope(client.get("/api/v1/me", headers=headers), 401, "unauthorized", language)
    assert_envelope(
        client.post("/api/v1/admin/posts", json={}, headers=auth), 403, "forbidden", language
    )
    assert_envelope(
        client.post("/api/v1/me/email/verification", headers=auth),
        409,
        "email_already_verified",
        language,
    )
    assert_envelope(
        client.post(
            "/api/v1/auth/register",
            json={"email": "b@example.org", "password": "short"},
            headers=headers,
        ),
        422,
        "password_too_short",
        language,
    )
    assert_envelope(
        client.post(
            "/api/v1/auth/register",
            data="email=x",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
        "unsupported_media_type",
        language,
    )
    assert_envelope(
        client.post(
            "/api/v1/auth/register",
            data=b"{" * 10,
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
        "invalid_json",
        language,
    )
    assert_envelope(
        client.post(
            "/api/v1/auth/register",
            data=b"x" * (3 * 1024 * 1024),
            headers={**headers, "Content-Type": "application/json"},
        ),
        413,
        "payload_too_large",
        language,
    )
    body = assert_envelope(
        client.get("/api/v1/services", headers=headers), 500, "internal_error", language
    )
    assert "kaboom" not in str(body) and "X1234567" not in str(body)


def test_unknown_language_falls_back_to_english(client):
    response = client.get("/api/v1/nowhere", headers={"Accept-Language": "fr-FR,de;q=0.8"})
    assert response.get_json()["message"] == "Not found."


def test_invalid_utf8_body_is_a_clean_400(client):
    response = client.post(
        "/api/v1/auth/login",
        data=b'{"email": "\xff\xfe", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_every_error_text_is_in_every_catalogue(app):
    assert len(ERROR_TEXTS) > 100  # the domains' texts modules were imported
    for language in LANGUAGE_HEADERS:
        for code, text in ERROR_TEXTS.items():
            assert (code, text.english) in catalogue(language), (language, code)


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "req-12345678"})
    assert echoed.headers["X-Request-ID"] == "req-12345678"
    # A header that could inject into logs is replaced, not echoed.
    replaced = client.get("/healthz", headers={"X-Request-ID": 'bad id {json} "quotes"'})
    assert "json" not in replaced.headers["X-Request-ID"]
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_unknown_query_parameters_are_refused(client):
    response = client.get("/api/v1/posts?contry=FR")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"query": {"contry": ["Unknown field."]}}
    assert client.get("/api/v1/posts?country=FR&page=1").status_code == 200


def test_a_required_json_body_cannot_be_left_out(client, make):
    headers = make.auth(make.citizen())
    response = client.patch("/api/v1/me", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"
    # Operations without a body still work without one.
    assert client.post("/api/v1/notifications/read-all", headers=headers).status_code == 200


def test_ids_beyond_the_database_range_are_not_found(client, make):
    headers = make.auth(make.citizen())
    assert client.get("/api/v1/applicants/99999999999999999999", headers=headers).status_code == 404
    assert client.get("/api/v1/applicants/0", headers=headers).status_code == 404


def test_wrong_method_with_a_non_json_body_is_405_not_415(client):
    response = client.put("/api/v1/auth/login", data="x=1", content_type="text/plain")
    assert response.status_code == 405


def _lost_connection(kind: str) -> Exception:
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if kind == "operational":
        return OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    if kind == "interface":
        return InterfaceError("SELECT 1", {}, ConnectionError("connection already closed"))
    if kind == "invalidated":
        return DBAPIError("SELECT 1", {}, RuntimeError("lost"), connection_invalidated=True)
    return DBAPIError("SELECT 1", {}, RuntimeError("a driver error of ours"))


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("operational", 503, "service_unavailable"),
        ("interface", 503, "service_unavailable"),
        ("invalidated", 503, "service_unavailable"),
        ("other", 500, "internal_error"),
    ],
)
def test_a_lost_database_connection_is_a_retryable_503(
    app, client, monkeypatch, kind, status, error
):
    # However the driver words a lost connection, the client is told to come back; a
    # driver error on a live connection stays a 500 (it is a bug of ours).
    from services.catalogue import catalogue

    def lost(**_kwargs):
        raise _lost_connection(kind)

    monkeypatch.setattr(catalogue, "services_query", lost)
    response = client.get("/api/v1/services")
    assert_envelope(response, status, error, "en")
    assert ("Retry-After" in response.headers) is (status == 503)
