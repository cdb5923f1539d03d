"""The ``Idempotency-Key`` decorator for POSTs that create things.

First request with a key: the view runs and its successful response is stored with the key,
in the view's own transaction. A retry with the same key and the same body replays that
response (``Idempotent-Replayed: true``); the same key with a different body is a 422.
Errors are not stored, so a client may retry after fixing the cause.
Keys are scoped to the account (or the client IP for anonymous calls).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Response, g, make_response, request
from sqlalchemy.exc import IntegrityError

from api.blueprint import document_errors
from api.errors import error_response
from api.extensions import client_ip
from services.core.db import db, unit_of_work
from services.idempotency import records as store

HEADER = "Idempotency-Key"


class IdempotencyHeaderSchema(ma.Schema):
    """Documentation of the header (parsing happens in the decorator)."""

    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = ma.fields.String(
        data_key=HEADER,
        validate=ma.validate.Length(min=1, max=255),
        metadata={
            "description": "A unique key (e.g. a UUID) that makes retrying this request safe."
        },
    )


def _scope() -> str:
    account = g.get("account")
    return f"account:{account.id}" if account is not None else f"ip:{client_ip()}"


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.path.encode() + b"\0")
    digest.update(request.query_string + b"\0")
    if request.mimetype == "multipart/form-data":
        # The boundary is random per request: hash the fields and files, not the raw bytes,
        # so that a retried upload is recognised as the same request.
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\0".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}:{upload.filename}\0".encode())
            digest.update(upload.stream.read() + b"\0")
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(record) -> Response:
    response = Response(
        record.response_body, status=record.status_code, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    if record.location:
        response.headers["Location"] = record.location
    return response


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not store.KEY_PATTERN.match(key):
            return error_response(400, "idempotency_key_invalid")
        scope, request_hash = _scope(), _request_hash()
        existing = store.find_record(scope, key)
        if existing is not None:
            if existing.request_hash != request_hash:
                return error_response(422, "idempotency_key_reused")
            return _replay(existing)
        try:
            with unit_of_work():
                response = make_response(view(*args, **kwargs))
                if 200 <= response.status_code < 300:
                    store.add_record(
                        scope=scope,
                        key=key,
                        method=request.method,
                        path=request.path,
                        request_hash=request_hash,
                        status_code=response.status_code,
                        response_body=response.get_data(as_text=True),
                        location=response.headers.get("Location"),
                    )
        except IntegrityError:
            # A concurrent request with the same key won the race; our work was rolled back.
            db.session.rollback()
            twin = store.find_record(scope, key)
            if twin is None:
                raise
            if twin.request_hash != request_hash:
                return error_response(422, "idempotency_key_reused")
            return _replay(twin)
        return response

    # Documented as one more flask-smorest "arguments" entry, so that it joins the operation's
    # other parameters instead of replacing them.
    apidoc = getattr(wrapper, "_apidoc", {})
    arguments = apidoc.setdefault("arguments", {})
    arguments.setdefault("parameters", []).append(
        {"in": "headers", "required": False, "schema": IdempotencyHeaderSchema()}
    )
    arguments.setdefault("responses", {})
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return document_errors(wrapper, 400, 422)
