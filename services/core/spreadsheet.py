"""Spreadsheet formulas in data (CSV injection), on the way in and on the way out.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some spreadsheets skip before looking) is run as a formula when a CSV file is opened
in Excel, LibreOffice or Google Sheets: ``=cmd|' /C calc'!A0`` starts a program,
``=HYPERLINK(...)`` sends data away. The full-width signs (``＝＋－＠``) are included:
spreadsheets in East Asian locales may fold them to ASCII.

- On the way in, places that take spreadsheets (the legalization import) refuse such a
  value with ``starts_like_formula``: the record stays exactly what the officer sent.
- On the way out, every CSV the project writes goes through ``write_csv``, which quotes such
  a cell the OWASP way: a leading single quote, shown by the spreadsheet as text and never
  run. No other module may call ``csv.writer`` (a test walks the source tree).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def starts_like_formula(value: str) -> bool:
    """Whether a spreadsheet could take ``value`` for a formula."""
    return value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs: text that starts like a formula gets a
    leading single quote (OWASP's advice); numbers, dates and None are left as they are."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def write_csv(out: io.TextIOBase, rows: Iterable[Iterable[Any]], **dialect: Any) -> None:
    """Write ``rows`` (the header first) to ``out``, every cell through ``safe_cell``, every
    cell quoted (a quote inside a cell is doubled), so a delimiter or a line break inside a
    value never starts a new cell or row."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, **dialect)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """``rows`` as the text of a CSV file (``\\r\\n`` line ends, as RFC 4180 says)."""
    out = io.StringIO()
    write_csv(out, rows)
    return out.getvalue()
