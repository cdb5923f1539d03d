"""Our Blueprint: flask-smorest's, with a JSON parser that never raises on a hostile body and a
decorator that documents error responses."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser

from api.json_body import loaded_in_front, request_json


class SafeJsonParser(FlaskParser):
    """webargs' Flask parser reading the body parsed once, safely, by ``api.json_body``
    (its own ``json.loads`` let ``RecursionError`` from a deeply nested body through)."""

    # webargs' "no ``unknown`` given" (the schema's own ``Meta.unknown``, RAISE for ours).
    _UNKNOWN_NOT_GIVEN = getattr(webargs_core, "_UNKNOWN_DEFAULT_PARAM", object())

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        # A booking body that the edge in front of Flask has already loaded with this very
        # schema is not loaded a second time (``api.json_body.hand_over_loaded``). Only a
        # plain parse qualifies: nothing that could make webargs' load differ from it.
        # Only a schema given as a class (``@blp.arguments(SomeSchema)``, as flask-smorest
        # hands it on): an instance may have been built with ``only``, ``partial`` or
        # ``exclude``, and would not load the body as the class does.
        if (
            location == "json"
            and isinstance(argmap, type)
            and issubclass(argmap, ma.Schema)
            and kwargs.get("unknown", self._UNKNOWN_NOT_GIVEN) == self._UNKNOWN_NOT_GIVEN
            and not kwargs.get("validate")
        ):
            loaded = loaded_in_front(argmap)
            if loaded is not None:
                return loaded
        return super().parse(argmap, req, location=location, **kwargs)

    def _raw_load_json(self, req):
        if not req.is_json:
            return webargs_core.missing
        parsed = request_json()
        if not parsed.ok:  # normally answered before any view; kept for direct callers
            abort(parsed.status, error="invalid_json", errors={"json": [parsed.reason]})
        return parsed.value if parsed.present else webargs_core.missing


def document_errors(func: Callable[..., Any], *statuses: int) -> Callable[..., Any]:
    """Add error responses (our envelope) to a view's OpenAPI operation."""
    apidoc = deepcopy(getattr(func, "_apidoc", {}))
    responses = apidoc.setdefault("response", {}).setdefault("responses", {})
    for status in statuses:
        ref = HTTPStatus(status).name
        docs = responses.setdefault(status, [])
        if ref not in docs:
            docs.append(ref)
    func._apidoc = apidoc  # type: ignore[attr-defined]
    return func


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = SafeJsonParser()

    def errors(self, *statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document that a view may answer these error statuses (in the error envelope)."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            return document_errors(func, *statuses)

        return decorator
