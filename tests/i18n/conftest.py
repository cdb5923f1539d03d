"""Fixtures of the catalogue tests: the committed catalogues, read and compiled.

These tests read files and load schemas; they touch neither the database nor the rate
limiter, so the suite's table-emptying fixture (which needs the app) is switched off here.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LOCALES = ("en", "zh_Hans", "zh_Hant", "vi")
DOMAIN = "messages"


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@pytest.fixture(autouse=True)
def _clean_state():
    """Overrides the suite's fixture of the same name: nothing to clean here."""
    yield


@pytest.fixture(scope="session")
def template() -> Catalog:
    with (TRANSLATIONS / f"{DOMAIN}.pot").open("rb") as file:
        return read_po(file)


@pytest.fixture(scope="session")
def catalogues() -> dict[str, Catalog]:
    result = {}
    for locale in LOCALES:
        with po_path(locale).open("rb") as file:
            result[locale] = read_po(file, locale=locale)
    return result


@pytest.fixture(scope="session")
def compiled(catalogues, tmp_path_factory) -> Path:
    """A translations directory with each catalogue compiled to .mo, as pybabel would."""
    root = tmp_path_factory.mktemp("translations")
    for locale, catalogue in catalogues.items():
        folder = root / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / f"{DOMAIN}.mo").open("wb") as file:
            write_mo(file, catalogue)
    return root


@pytest.fixture(scope="session")
def translations(compiled) -> dict[str, gettext.GNUTranslations]:
    """The compiled catalogues, loaded by the standard library's gettext."""
    return {
        locale: gettext.translation(DOMAIN, compiled, languages=[locale], fallback=False)
        for locale in LOCALES
    }
