"""A page far beyond the data is simply empty, never a database overflow."""

from __future__ import annotations


def test_huge_page_number_is_an_empty_page(client, make):
    make.post()
    response = client.get("/api/v1/posts?page=50534039877564149792768")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == []
