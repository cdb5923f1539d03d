"""The code and the catalogues agree, and the app compiles what it needs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from tests.i18n.conftest import DOMAIN, LOCALES, TRANSLATIONS

ROOT = TRANSLATIONS.parent


def test_what_the_code_marks_is_what_the_catalogues_hold(template):
    """`pybabel extract` over the code gives exactly the template's messages: nothing in a
    catalogue that the code no longer says, nothing said that is not translated."""
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    marked = {
        (context, message if isinstance(message, str) else message[0])
        for _name, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }
    held = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    assert sorted(marked - held, key=str) == []
    assert sorted(held - marked, key=str) == []


def test_the_app_compiles_missing_or_stale_catalogues(tmp_path):
    from services.core.i18n import compile_catalogues

    for locale in LOCALES:
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / f"{DOMAIN}.po").write_bytes(
            (TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po").read_bytes()
        )
    written = compile_catalogues(tmp_path)
    assert sorted(p.parent.parent.name for p in written) == sorted(LOCALES)
    assert compile_catalogues(tmp_path) == []  # up to date: nothing rewritten
    po = tmp_path / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po"
    later = time.time() + 5
    os.utime(po, (later, later))
    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]
    assert not list(Path(tmp_path).rglob(".messages-*"))  # no temporary file left behind
