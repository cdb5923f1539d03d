"""The record rules shared by the JSON create and the CSV import: normalising and masking."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.masking import mask_person_name
from services.legalizations.rules import normalise_number, validate_record

POST = SimpleNamespace(city="Hà Nội", time_zone="Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "N*** V** A*"),
        ("Nguye\u0302\u0303n Va\u0306n An", "N*** V** A*"),  # decomposed Vietnamese letters
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("Jean-Pierre  Dupont", "J*** D***"),
        ("Li", "L*"),
    ],
)
def test_person_names_are_masked_word_by_word(name, masked):
    assert mask_person_name(name) == masked


@given(st.lists(st.text(min_size=2, max_size=30).filter(lambda w: w.strip() == w), min_size=1))
def test_a_mask_shows_one_character_a_word_and_hides_lengths(words):
    name = " ".join(words)
    for word in mask_person_name(name).split():
        assert set(word[1:]) <= {"*"}
        assert len(word) <= 4


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  ab-12/3 ", "AB-12/3"),
        ("ＡＢ１２３", "AB123"),  # full-width
        ("st\t 000123", "ST 000123"),
        ("(2026)京外认字第12号", "(2026)京外认字第12号"),
    ],
)
def test_numbers_are_normalised(typed, stored):
    assert normalise_number(typed) == stored


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(value):
    once = normalise_number(value)
    assert normalise_number(once) == once


def _row(**overrides):
    row = {
        "authentication_number": "1",
        "sub_number": "1",
        "sticker_number": "1",
        "submitter_kind": "Person ",
        "submitter_name": " Trần Thị Bình ",
        "country_of_use": "fr",
        "document_type": "EDUCATION",
        "document_title": "",
        "issuer": "Đại học Huế",
        "signer": "Lê Văn Tám",
        "legalized_on": "2020-02-29",
        "place": "",
        "notes": "line one\r\nline two",
    }
    row.update(overrides)
    return row


def test_a_csv_row_is_cleaned():
    clean, problems = validate_record(_row(), POST)
    assert problems == []
    assert clean["submitter_kind"] == "person"
    assert clean["submitter_name"] == "Trần Thị Bình"
    assert clean["country_of_use"] == "FR"
    assert clean["document_type"] == "education"
    assert clean["document_title"] is None
    assert clean["place"] == "Hà Nội"
    assert clean["legalized_on"] == date(2020, 2, 29)
    assert clean["notes"] == "line one\nline two"


def test_the_future_is_judged_in_the_post_time_zone():
    tomorrow = date.today() + timedelta(days=2)
    _, problems = validate_record(_row(legalized_on=tomorrow.isoformat()), POST)
    assert [(p.field, p.reason) for p in problems] == [("legalized_on", "in_future")]


def test_newlines_are_allowed_in_notes_only():
    _, problems = validate_record(_row(issuer="Đại học\nHuế"), POST)
    assert [(p.field, p.reason) for p in problems] == [("issuer", "invalid_characters")]


FREE_TEXT_FIELDS = ("submitter_name", "document_title", "issuer", "signer", "place", "notes")


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
@given(
    start=st.sampled_from(["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"]),
    rest=st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=30),
)
def test_no_free_text_value_may_start_like_a_spreadsheet_formula(field, start, rest):
    # Leading spaces or tabs do not hide it: values are trimmed before they are judged.
    for value in (start + rest, "  " + start + rest, "\t" + start + rest):
        _, problems = validate_record(_row(**{field: value}), POST)
        assert (field, "starts_like_formula") in [(p.field, p.reason) for p in problems]


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
def test_formula_signs_inside_a_value_are_fine(field):
    clean, problems = validate_record(_row(**{field: "Phòng A=B, số +84 - 1@2"}), POST)
    assert problems == []
    assert clean[field] == "Phòng A=B, số +84 - 1@2"


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
@pytest.mark.parametrize(
    "bad", ["a\u202eb", "a\u2066b\u2069", "a\x1b[31mb", "a\x07b", "a\u2028b", "a\x85b", "a\rb"]
)
def test_control_bidi_and_separator_characters_are_refused_in_every_field(field, bad):
    _, problems = validate_record(_row(**{field: bad}), POST)
    assert [(p.field, p.reason) for p in problems] == [(field, "invalid_characters")]
