"""CSV the project writes: a cell a spreadsheet would run is quoted the OWASP way."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from services.core.spreadsheet import FORMULA_STARTS, csv_text, safe_cell, starts_like_formula

ROOT = Path(__file__).resolve().parents[3]

cells = st.one_of(
    st.text(),
    st.builds(lambda s, t: s + t, st.sampled_from(FORMULA_STARTS), st.text()),
    st.integers(),
    st.none(),
)


@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=6))
def test_no_cell_read_back_starts_like_a_formula_and_nothing_is_lost(rows):
    text = csv_text(rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert len(read) == len(rows)
    for written, back in zip(rows, read, strict=True):
        assert len(back) == len(written)
        for value, cell in zip(written, back, strict=True):
            # Only a number (a negative one) may start with "-": spreadsheets read it as one.
            assert not starts_like_formula(cell) or isinstance(value, int)
            expected = "" if value is None else str(value)
            if isinstance(value, str) and starts_like_formula(value):
                expected = "'" + value
            assert cell == expected


def test_examples_from_owasp():
    assert safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert safe_cell("@SUM(1+1)") == "'@SUM(1+1)"
    assert safe_cell("\t=1+1") == "'\t=1+1"
    assert safe_cell("-2") == "'-2"
    assert safe_cell(-2) == -2  # a number stays a number
    assert safe_cell("Hà Nội = 1") == "Hà Nội = 1"


def test_every_csv_the_project_writes_goes_through_write_csv():
    """csv.writer / DictWriter anywhere else would write cells unquoted."""
    writer = re.compile(
        r"\bcsv\s*\.\s*(writer|DictWriter)\b|from\s+csv\s+import[^\n]*\b(writer|DictWriter)\b"
    )
    offenders = []
    for folder in ("api", "services", "schemas", "payments", "push", "storage", "bench", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "services" / "core" / "spreadsheet.py":
                continue
            if writer.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
