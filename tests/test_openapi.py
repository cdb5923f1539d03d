"""The committed openapi.yaml is exactly what the code generates."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_committed_openapi_matches_the_code(app):
    from api.openapi import render_openapi_yaml

    generated = render_openapi_yaml(app)
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == generated, (
        "openapi.yaml is out of date: run `flask --app api write-openapi openapi.yaml` and commit it"
    )


def test_spec_documents_errors_security_and_idempotency(app):
    from api.openapi import render_openapi_yaml

    spec = yaml.safe_load(render_openapi_yaml(app))
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = spec["components"]["schemas"]["Error"]
    assert {"code", "status", "error", "message"} <= set(error["properties"])
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "401" in me["responses"]
    create = spec["paths"]["/api/v1/applicants"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "422" in create["responses"]
