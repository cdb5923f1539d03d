"""Swagger UI and ReDoc served from an installed package (``openapi-ui-bundles``), not from
a CDN: the documentation pages work offline and behind a proxy that allows only this host.

flask-smorest renders the two pages from ``OPENAPI_SWAGGER_UI_URL`` (the folder of the
Swagger UI files) and ``OPENAPI_REDOC_URL`` (ReDoc's script); this serves the package's
files at those paths.
"""

from __future__ import annotations

import posixpath

import openapi_ui_bundles
from flask import Blueprint, Flask


def register_docs_assets(app: Flask) -> None:
    """Serve the two bundles' files (Flask's static handling: ETag, conditional GETs)."""
    swagger_ui_folder = app.config["OPENAPI_SWAGGER_UI_URL"].rstrip("/")
    redoc_folder = posixpath.dirname(app.config["OPENAPI_REDOC_URL"])
    for name, files, url in (
        ("swagger_ui_assets", openapi_ui_bundles.swagger_ui.static_path, swagger_ui_folder),
        ("redoc_assets", openapi_ui_bundles.redoc.static_path, redoc_folder),
    ):
        if url.startswith("/"):  # a deployment may still point the pages elsewhere
            app.register_blueprint(
                Blueprint(name, __name__, static_folder=str(files), static_url_path=url)
            )
