"""The HTTP layer: ``create_app()``, extensions, errors, auth decorators, one Blueprint per
resource. Views parse, call one service function, and serialise; they never touch the
database session or a vendor SDK.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from api.config import load_config


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` limited to the positive 32-bit range our primary keys use."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _expects_json_body(view_class, method: str) -> bool:
    """Whether the operation documents a required JSON body (flask-smorest's @arguments)."""
    handler = getattr(view_class, method.lower(), None)
    arguments = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(arg.get("in") == "json" and arg.get("required", True) for arg in arguments)


def _documented_query_parameters(app: Flask, api) -> dict[tuple[str, str], set[str]]:
    """(endpoint, method) -> the query parameters its OpenAPI operation documents."""
    cached = app.extensions.get("palm_query_parameters")
    if cached is None:
        cached = app.extensions["palm_query_parameters"] = api.documented_query_parameters()
    return cached


def _load_seal_keys(app: Flask) -> None:
    """Read the QR signing keys at start-up, so that a bad key file stops the app here
    rather than failing the first sticker (the embedded default creates its key now)."""
    from api.config import ConfigError
    from services.core.integrations import build_seal_keyring
    from services.core.seal_keys import KeySetError

    try:
        app.extensions["palm_seal_keyring"] = build_seal_keyring(app.config)
    except KeySetError as error:
        raise ConfigError(f"QR signing keys: {error}") from None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; with no configuration it runs on the embedded default."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    from api.cache import EdgeCache
    from api.edge_lookups import EdgeLookups
    from api.edge_refusals import EdgeRefusals
    from api.resources import applications as application_routes
    from api.resources import legalizations as legalization_routes

    # Release day's taps on a full slot, the public lookups, and public catalogue and
    # availability reads, answered before Flask.
    app.wsgi_app = EdgeRefusals(app.wsgi_app, app)
    app.wsgi_app = EdgeLookups(
        app.wsgi_app, app, [application_routes.EDGE_LOOKUP, legalization_routes.EDGE_LOOKUP]
    )
    app.wsgi_app = EdgeCache(app.wsgi_app, app)
    trusted_proxies = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    if trusted_proxies:
        # Outside the edge: its per-IP limits count the client's address, as the app does.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)

    from api.observability import configure_logging, init_request_tracking, register_health

    configure_logging(app)

    import services.models  # noqa: F401  (registers every model on the metadata)
    from api.docs_assets import register_docs_assets
    from api.errors import register_error_handlers
    from api.extensions import babel, jwt, limiter
    from api.i18n import babel_locale, request_language
    from api.migrations import register_migrations
    from api.rest_api import Api
    from api.security import register_jwt_callbacks
    from services.core.db import db
    from services.core.i18n import TRANSLATIONS_DIR, compile_catalogues
    from services.core.jobs import init_celery
    from services.wiring import connect_domains

    # scripts/serve.sh and scripts/test.sh compile the catalogues; a clone started any other
    # way gets them compiled here (only the missing or stale ones, written atomically).
    compile_catalogues(TRANSLATIONS_DIR)
    babel.init_app(
        app,
        locale_selector=babel_locale,
        default_locale="en",
        default_translation_directories=str(TRANSLATIONS_DIR),
        default_domain="messages",
    )
    db.init_app(app)
    _load_seal_keys(app)
    register_migrations(app)  # Flask-Migrate itself is loaded by the CLI, never by a worker
    jwt.init_app(app)
    register_jwt_callbacks(app)

    # First of the request hooks: an answer given by any later hook (a body that does not
    # parse, a rate limit) is logged with the request's id and time like a view's.
    init_request_tracking(app)

    @app.before_request
    def _refuse_unparsable_json():
        # Before the limiter's own hook (registered by ``init_app`` just below), so that no
        # key function ever meets a body that does not parse, and before any view.
        if request.routing_exception is not None:
            return None  # unknown routes and methods get their own 404 / 405
        from api.json_body import request_json

        parsed = request_json()
        if parsed.ok:
            return None
        from api.errors import error_response

        if parsed.status == 413:
            return error_response(413, "payload_too_large")
        return error_response(parsed.status, "invalid_json", errors={"json": [parsed.reason]})

    limiter.init_app(app)
    app.config["API_SPEC_OPTIONS"] = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "info": {
            "description": (
                "Backend of the consular mobile app. Every error uses one envelope: "
                "code, status, error (a stable snake_case code) and message in the "
                "language of Accept-Language (en, zh-Hans, zh-Hant, vi)."
            )
        },
        "servers": [{"url": "/"}],
    }
    # Database ids are 32-bit on PostgreSQL: a larger id in a URL is simply not found (404),
    # instead of an out-of-range error from the driver.
    app.url_map.converters["int"] = BoundedIntConverter
    api = Api(app)
    register_docs_assets(app)
    register_error_handlers(app)  # after the Api: ours replace flask-smorest's handlers

    @app.before_request
    def _negotiate_language() -> None:
        g.language = request_language()

    @app.before_request
    def _require_json_bodies():
        # A body we would silently ignore is a client bug: say so (415) instead of a 422
        # about "missing" fields. View classes that take other types set accepts_raw_body.
        if request.method not in ("POST", "PUT", "PATCH") or request.routing_exception:
            return None  # unknown routes and methods get their own 404 / 405
        view = app.view_functions.get(request.endpoint or "")
        view_class = getattr(view, "view_class", None)
        if getattr(view_class, "accepts_raw_body", False):
            return None
        from api.errors import error_response

        if request.content_length:
            return None if request.is_json else error_response(415, "unsupported_media_type")
        if _expects_json_body(view_class, request.method):
            return error_response(
                422, "validation_error", errors={"json": {"_schema": ["A JSON body is required."]}}
            )
        return None

    @app.before_request
    def _refuse_unknown_query_parameters():
        # A misspelt filter (?contry=FR) must not silently return everything.
        if not request.args or request.endpoint is None:
            return None
        allowed = _documented_query_parameters(app, api).get((request.endpoint, request.method))
        if allowed is None:
            return None
        unknown = sorted(set(request.args) - allowed)
        if not unknown:
            return None
        from api.errors import error_response

        return error_response(
            422,
            "validation_error",
            errors={"query": {name: ["Unknown field."] for name in unknown}},
        )

    @app.after_request
    def _vary(response):
        response.vary.add("Accept-Language")
        return response

    from api.security_headers import init_security_headers

    init_security_headers(app)

    from api.resources import register_resources

    register_resources(app, api)
    register_health(app)
    init_celery(app)
    connect_domains()

    from api.cli import register_cli

    register_cli(app)
    return app
