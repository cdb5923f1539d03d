"""Fixtures of the document tests: a logged-in citizen with an applicant, and the app's
object store (the local one, or a replacement installed for one test)."""

from __future__ import annotations

import pytest

from tests.services.documents.support import applicant

STORE = "palm_object_store"


@pytest.fixture
def owner(make, client):
    """(headers, applicant id) of a citizen with one applicant."""
    headers = make.auth(make.citizen())
    return headers, applicant(make, client, headers)


@pytest.fixture
def store(app):
    """The object store the app uses (the embedded local store by default)."""
    from services.core import integrations

    with app.app_context():
        return integrations.object_store()


@pytest.fixture
def use_store(app):
    """Install another object store in the app for one test; the default comes back after."""
    previous = app.extensions.get(STORE)

    def install(store):
        app.extensions[STORE] = store
        return store

    yield install
    if previous is None:
        app.extensions.pop(STORE, None)
    else:
        app.extensions[STORE] = previous
