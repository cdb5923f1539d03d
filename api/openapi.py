"""Rendering the OpenAPI document that is committed as ``openapi.yaml``."""

from __future__ import annotations

import yaml
from flask import Flask


def render_openapi_yaml(app: Flask) -> str:
    """The spec as YAML with stable key order, so the committed file diffs cleanly."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with app.test_request_context():
        spec = api.spec.to_dict()
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True, width=100)
