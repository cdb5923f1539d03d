"""Shared set-up of the public progress lookup's tests: an application of a known person,
and the right and a wrong set of details for it."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def application(make):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    return make.application(
        officer,
        post.code,
        service.code,
        person={
            "surname_latin": "Nguyễn",
            "given_names_latin": "Văn An",
            "date_of_birth": date(1990, 5, 17),
        },
    )


def right(application) -> dict:
    return {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-17"}


def wrong(application) -> dict:
    return {**right(application), "surname": "Tran"}
