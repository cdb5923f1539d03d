"""The ``Idempotency-Key`` decorator for POSTs that create things.

First request with a key: its record is written before the view runs, and the view's
successful response is stored in it, all in the view's own transaction. A retry with the same
key and the same body replays that response (``Idempotent-Replayed: true``); the same key with
a different body is a 422. "The same body" is the same JSON value: keys in another order or
other whitespace (an app re-encoding the body after a relaunch) are the same request.
Errors are not stored, so a client may retry after fixing the cause.

A twin sent while the first is still running (a double tap, a retry after a timeout) waits
for it (``IDEMPOTENCY_WAIT_SECONDS``) and replays its answer; if the first is still running
after that, the twin gets 409 ``idempotency_in_progress`` with ``Retry-After``, and its retry
gets the replay. A twin never runs the view beside the first, so it never meets a domain
error (``duplicate_appointment``, ``slot_full``) that the first request caused.
Keys are scoped to the account (or the client IP for anonymous calls).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError

from api.blueprint import document_errors
from api.errors import error_response
from api.extensions import client_ip
from services.core.db import db, send_queued, unit_of_work
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


def _request_hashes() -> tuple[str, str]:
    """The request's hash over its canonical body (stored), and over its raw bytes (how
    records written before canonical hashing were keyed: a retry of one still matches)."""
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
        return digest.hexdigest(), digest.hexdigest()
    raw = request.get_data(cache=True)
    legacy = digest.copy()
    legacy.update(raw)
    digest.update(_canonical_json(raw) if request.is_json else raw)
    return digest.hexdigest(), legacy.hexdigest()


def _canonical_json(raw: bytes) -> bytes:
    """One spelling per JSON value: sorted keys, no whitespace. A body that is not JSON is
    hashed as it is (the view refuses it anyway)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _answer_from(record, request_hashes: tuple[str, str]) -> Response:
    """What a request meets when its key already has a record."""
    if record.request_hash not in request_hashes:
        return error_response(422, "idempotency_key_reused")
    if record.status_code == store.IN_PROGRESS:
        return _in_progress()
    return _replay(record)


def _in_progress() -> Response:
    return error_response(409, "idempotency_in_progress", headers={"Retry-After": "1"})


def _replay(record) -> Response:
    response = Response(
        record.response_body, status=record.status_code, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    if record.location:
        response.headers["Location"] = record.location
    return response


def idempotent(
    view: Callable[..., Any] | None = None, *, claim_with_first_statement: bool = False
) -> Any:
    """The decorator (see the module's docstring). ``claim_with_first_statement``: on
    PostgreSQL the key's claim is sent with the view's first statement, in its round trip
    (``records.claim_key(with_next=True)``), for a view whose first statement lets the
    claim's ``IntegrityError`` and ``KeyBusy`` through to this decorator (the booking's
    rules do; a view that catches ``IntegrityError`` around its first flush must not)."""
    if view is None:
        return lambda view: _idempotent(view, claim_with_first_statement)
    return _idempotent(view, claim_with_first_statement)


def _idempotent(view: Callable[..., Any], claim_with_first_statement: bool) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not store.KEY_PATTERN.match(key):
            return error_response(400, "idempotency_key_invalid")
        scope, request_hashes = _scope(), _request_hashes()
        # Straight to the claim: a key with a committed record makes it fail at once (the
        # IntegrityError below replays it), so a first request pays one statement, not two.
        try:
            with unit_of_work():
                store.claim_key(
                    scope=scope,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_hash=request_hashes[0],
                    wait_seconds=current_app.config["IDEMPOTENCY_WAIT_SECONDS"],
                    with_next=claim_with_first_statement,
                )
                try:
                    response = make_response(view(*args, **kwargs))
                except Exception:
                    # Refused before its first statement (its body, an unverified address):
                    # the claim still speaks first, as when it is sent alone (a committed
                    # record is replayed, a reused key is 422, a running twin is waited for).
                    send_queued()
                    raise
                if 200 <= response.status_code < 300:
                    # Deferred to the unit of work's end (a booking's seat goes with it).
                    store.complete_claim(
                        scope,
                        key,
                        status_code=response.status_code,
                        response_body=response.get_data(as_text=True),
                        location=response.headers.get("Location"),
                    )
                else:
                    store.release_claim(scope, key)
        except store.KeyBusy:
            # The twin holding the key is still running: come back for its answer.
            return _in_progress()
        except IntegrityError:
            # Either a twin committed the key while we waited (our transaction, which had
            # done nothing else yet, is rolled back: replay the twin's answer), or the view
            # hit a race of its own (no record: the usual 409).
            db.session.rollback()
            twin = store.find_record(scope, key)
            if twin is None:
                raise
            return _answer_from(twin, request_hashes)
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
    return document_errors(wrapper, 400, 409, 422)
