"""Security headers on every answer, and CORS closed unless origins are configured.

The API serves JSON to a mobile app, so a browser page has no business framing it, sniffing
its types or running scripts from it; the documentation pages (Swagger UI, ReDoc) load their
scripts and are left without the strict content policy. CORS answers only for origins listed
in ``CORS_ALLOWED_ORIGINS`` (comma-separated in the environment); none by default. No
answer names the server's software versions (``hide_server_version``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from werkzeug.serving import WSGIRequestHandler

_STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
SERVER_NAME = "palm"


def hide_server_version() -> None:
    """Werkzeug's server (``flask run``, the tests' live server) says ``Server: Werkzeug/3.1.9
    Python/3.11.7`` on every answer, its own errors included: the header is written by
    ``http.server`` from ``version_string()`` before any of the application's headers, so
    neither the app nor a WSGI middleware can remove it. The handler class is the one place
    to change it; ``flask run`` offers no way to pass our own handler, so its attributes are
    set here, once, for every Werkzeug server in the process (``SERVER_SOFTWARE`` in the
    environ follows). Gunicorn (production) sends ``Server: gunicorn`` without a version
    (``gunicorn.SERVER``), and has no setting to change that; a load balancer in front may
    drop it."""
    WSGIRequestHandler.server_version = SERVER_NAME  # type: ignore[assignment,misc]
    WSGIRequestHandler.sys_version = ""
    WSGIRequestHandler.version_string = lambda self: SERVER_NAME  # type: ignore[method-assign]


def init_security_headers(app: Flask) -> None:
    hide_server_version()
    docs_prefix = app.config.get("OPENAPI_URL_PREFIX", "/api/v1/docs")

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith(docs_prefix):
            headers.setdefault("Content-Security-Policy", _STRICT_CSP)
        if request.headers.get("Authorization"):
            # Answers to a logged-in caller are personal: no shared cache keeps them.
            headers.setdefault("Cache-Control", "private, no-store")
        hsts = app.config.get("HSTS_SECONDS", 0)
        if hsts:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        origin = request.headers.get("Origin")
        if origin and origin in app.config.get("CORS_ALLOWED_ORIGINS", ()):
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, Idempotency-Key, Accept-Language, If-None-Match"
            )
            headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            headers["Access-Control-Expose-Headers"] = "ETag, X-Pagination, X-Request-ID"
            headers["Access-Control-Max-Age"] = "600"
            response.vary.add("Origin")
        return response


def never_cached(blueprint: Blueprint, *, personal: bool) -> None:
    """Mark every answer of ``blueprint`` as not to be stored by any cache, errors included.

    ``personal`` answers (download links, documents: personal data or bearer URLs) say
    ``private`` too; public lookups and staff answers without a login header need
    ``no-store`` alone, which the general rule above cannot know.
    """
    value = "private, no-store" if personal else "no-store"

    @blueprint.after_request
    def _never_cached(response):
        response.headers["Cache-Control"] = value
        return response
