"""The documentation pages load nothing from another host: Swagger UI and ReDoc come from
an installed package, served by the app itself (offline, behind a strict proxy)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

PAGES = ["/api/v1/docs/swagger", "/api/v1/docs/redoc"]


def _referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", PAGES)
def test_a_docs_page_references_only_this_host_and_every_asset_is_served(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "cdn." not in html and "://" not in html.replace("http://www.w3.org", "")
    references = _referenced(html)
    assert references, html
    for url in references:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 1000, url
        if url.endswith(".js"):
            assert "javascript" in asset.content_type, asset.content_type
        asset.close()


def test_the_swagger_page_loads_the_bundle_and_the_redoc_page_its_script(client):
    swagger = _referenced(client.get("/api/v1/docs/swagger").get_data(as_text=True))
    redoc = _referenced(client.get("/api/v1/docs/redoc").get_data(as_text=True))
    assert any(url.endswith("/swagger-ui-bundle.js") for url in swagger)
    assert any(url.endswith("/swagger-ui.css") for url in swagger)
    assert any(url.endswith("/redoc.standalone.js") for url in redoc)


def test_the_assets_do_not_escape_their_folder(client):
    assert client.get("/api/v1/docs/assets/swagger-ui/../../../../etc/passwd").status_code == 404
    assert client.get("/api/v1/docs/assets/redoc/%2e%2e/__init__.py").status_code == 404
