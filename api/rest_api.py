"""flask-smorest's ``Api`` with our error envelope, documented in the OpenAPI document.

The handlers themselves live in ``api.errors``; ``create_app`` registers them after the
``Api`` so that they replace flask-smorest's own handler of HTTP errors.
"""

from __future__ import annotations

from flask_smorest import Api as SmorestApi

from api.errors import ErrorSchema


class Api(SmorestApi):
    """flask-smorest's Api whose documented error responses use our envelope."""

    ERROR_SCHEMA = ErrorSchema
