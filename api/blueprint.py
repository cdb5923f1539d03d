"""Our Blueprint: flask-smorest's, plus a decorator that documents error responses."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus
from typing import Any

from flask_smorest import Blueprint as SmorestBlueprint


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
    def errors(self, *statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document that a view may answer these error statuses (in the error envelope)."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            return document_errors(func, *statuses)

        return decorator
