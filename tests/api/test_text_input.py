"""Text that no database column can hold is refused as a 422 before it reaches PostgreSQL."""

from __future__ import annotations

import json

import pytest


def test_nul_in_a_body_is_422(client):
    body = json.dumps({"email": "a\x00b@example.org", "password": "whatever 123"})  # \u0000
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    assert "email" in response.get_json()["errors"]["json"]


def test_a_lone_surrogate_in_a_body_is_400_invalid_json(client):
    # Not Unicode text, so not JSON text: refused as the body (api/json_body.py) before any
    # rate-limit key is made of it. It was a 422 from the schema, after the login's limits
    # had already made a key of it that Redis could not be sent.
    body = json.dumps({"email": "a\udc00@example.org", "password": "whatever 123"})
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_json"


def test_nul_in_a_query_string_is_422(client):
    # Refused while parsing, before the post is even looked up (that would be a 404).
    response = client.get("/api/v1/posts/XX-NONE/availability", query_string={"service": "a\x00b"})
    assert response.status_code == 422
    assert "service" in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("body", ["1.1371228024024287e-120", '"text"', "null", "true", "[]"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/auth/refresh"), ("patch", "/api/v1/me"), ("post", "/api/v1/auth/login")],
)
def test_a_body_that_is_not_an_object_is_422(client, make, method, path, body):
    # Found by the long fuzzing run: a bare number reached a pre-load hook as a float, and
    # the login rate-limit key read fields of a body that was not an object (500s).
    from api.extensions import limiter

    headers = make.auth(make.citizen()) if path == "/api/v1/me" else {}
    try:
        response = getattr(client, method)(
            path, data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.get_json()["error"] == "validation_error"
        # A key function that raised would have put the limiter on its in-memory fallback.
        assert limiter._storage_dead is False
    finally:
        limiter._storage_dead = False


# --- free text that would misbehave on a screen, a receipt, a push or a log ---------------
def _schemas():
    """Every schema class of the API (all derive from schemas.common.Base)."""
    import importlib
    import pkgutil

    import schemas
    from schemas.common import Base

    for module in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"schemas.{module.name}")
    found, todo = set(), [Base]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _text_inputs(field, text):
    """A value for ``field`` that carries ``text`` where the field holds strings; else None."""
    import marshmallow as ma

    if isinstance(field, ma.fields.String):
        return text
    if isinstance(field, ma.fields.Dict) and isinstance(field.value_field, ma.fields.String):
        return {"en": text}
    if isinstance(field, ma.fields.Dict) and isinstance(field.value_field, ma.fields.List):
        return {"en": [text]}
    if isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.String):
        return [text]
    return None


def _text_fields():
    for cls in _schemas():
        schema = cls()
        for name, field in schema.load_fields.items():
            if _text_inputs(field, "x") is not None:
                yield cls, field.data_key or name, field


SINGLE_LINE_HOSTILE = [
    "\r\nX-Injected: 1",
    "a\nb",
    "王\x1b[31m\x07",
    "\u202eevil",
    "a\u2066b",
    "a\x85",
]
MULTILINE_HOSTILE = ["王\x1b[31m\x07", "\u202eevil", "a\u2028b", "a\rb", "a\x0cb"]


def test_every_text_field_of_every_schema_refuses_unsafe_characters():
    """Whatever the field (names, display names, trips, alerts, notes, reasons, queries): a
    control character, a bidi override, or a line break where one line is expected is a
    422 naming the field, before any other rule of the field."""
    from services.core.text import REASONS

    checked = 0
    for cls, key, field in _text_fields():
        if field.metadata.get("secret"):
            assert "password" in key, f"{cls.__name__}.{key} is shown somewhere: not a secret"
            continue
        hostile = MULTILINE_HOSTILE if field.metadata.get("multiline") else SINGLE_LINE_HOSTILE
        for text in hostile:
            errors = cls().validate({key: _text_inputs(field, text)}, partial=True)
            assert key in errors, (cls.__name__, key, text)
            assert set(errors[key]) <= set(REASONS.values()), (cls.__name__, key, errors[key])
        checked += 1
    assert checked > 60  # every schema module was walked


def test_multiline_fields_keep_their_lines():
    from schemas.applications import TransitionSchema

    data = TransitionSchema().load(
        {"to": "in_review", "public_note": "one\r\ntwo\nthree"}, partial=True
    )
    assert data["public_note"] == "one\ntwo\nthree"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("surname_native", "王\u001b[31m\u0007"),
        ("surname_native", "\u202eevil"),
        ("given_names_native", "An\r\nB"),
    ],
)
def test_applicant_names_refuse_control_and_bidi_characters(client, make, field, value):
    headers = make.auth(make.citizen())
    body = {
        "relationship": "self",
        "surname_latin": "Nguyen",
        "given_names_latin": "Van An",
        "date_of_birth": "1990-01-02",
        "sex": "M",
        "nationality": "VN",
        field: value,
    }
    response = client.post("/api/v1/applicants", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    body[field] = "王小明"
    assert client.post("/api/v1/applicants", json=body, headers=headers).status_code == 201


def test_display_name_refuses_a_line_break(client, make):
    headers = make.auth(make.citizen())
    response = client.patch(
        "/api/v1/me", json={"display_name": "\r\nX-Injected: 1"}, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["display_name"] == [
        "Line breaks are not allowed here."
    ]
    ok = client.patch("/api/v1/me", json={"display_name": "Trần Thị Bình"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["display_name"] == "Trần Thị Bình"
