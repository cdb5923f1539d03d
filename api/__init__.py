"""The HTTP layer: ``create_app()``, extensions, errors, auth decorators, one Blueprint per
resource. Views parse, call one service function, and serialise; they never touch the
database session or a vendor SDK.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from api.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; with no configuration it runs on the embedded default."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    trusted_proxies = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)

    from api.observability import configure_logging, init_request_tracking, register_health

    configure_logging(app)

    import services.models  # noqa: F401  (registers every model on the metadata)
    from api.extensions import Api, jwt, limiter, migrate
    from api.i18n import request_language
    from api.security import register_jwt_callbacks
    from services.db import db
    from services.jobs import init_celery

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    jwt.init_app(app)
    register_jwt_callbacks(app)
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
    api = Api(app)
    init_request_tracking(app)

    @app.before_request
    def _negotiate_language() -> None:
        g.language = request_language()

    @app.before_request
    def _require_json_bodies():
        # A body we would silently ignore is a client bug: say so (415) instead of a 422
        # about "missing" fields. View classes that take other types set accepts_raw_body.
        if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
            return None
        view = app.view_functions.get(request.endpoint or "")
        if getattr(getattr(view, "view_class", view), "accepts_raw_body", False) or request.is_json:
            return None
        from api.errors import error_response

        return error_response(415, "unsupported_media_type")

    @app.after_request
    def _vary(response):
        response.vary.add("Accept-Language")
        return response

    from api.resources import register_resources

    register_resources(api)
    register_health(app)
    init_celery(app)

    from api.cli import register_cli

    register_cli(app)
    return app
