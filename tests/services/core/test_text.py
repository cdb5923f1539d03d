"""The one rule for free text: control characters, bidi overrides, line breaks."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.text import BIDI_CONTROLS, normalise_newlines, text_problem


def _is_refused_char(char: str, multiline: bool) -> bool:
    if multiline and char == "\n":
        return False
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS


@pytest.mark.parametrize("multiline", [False, True])
@given(st.text(max_size=40))
def test_a_value_is_refused_exactly_when_it_holds_a_refused_character(multiline, value):
    expected = any(_is_refused_char(c, multiline) for c in value)
    assert (text_problem(value, multiline=multiline) is not None) == expected


@given(st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=40))
def test_ordinary_text_in_any_script_passes(value):
    assert text_problem(value) is None
    assert text_problem(value + "\n" + value, multiline=True) is None


def test_reasons():
    assert text_problem("\r\nX-Injected: 1") == "line_break"
    assert text_problem("a\u2028b", multiline=True) == "line_break"
    assert text_problem("王\x1b[31m\x07") == "control_characters"
    assert text_problem("\u202eevil") == "bidi_controls"
    assert text_problem("\u200fשלום\u200e") is None  # direction marks are allowed
    assert text_problem(normalise_newlines("one\r\ntwo"), multiline=True) is None
    assert text_problem("one\rtwo", multiline=True) == "control_characters"
