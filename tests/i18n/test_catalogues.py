"""The gettext catalogues are complete, consistent and compile: the translators' contract.

Every message of ``translations/messages.pot`` is in each of the four catalogues with a
non-empty, non-fuzzy translation whose placeholders are those of the English (Babel's checkers
and a stricter same-names rule), and each catalogue compiles to a ``.mo`` that gettext reads
back to the same texts.
"""

from __future__ import annotations

import re

import pytest
from babel import Locale
from babel.messages import checkers
from babel.messages.catalog import Catalog, Message
from babel.support import Translations

from tests.i18n.conftest import DOMAIN, LOCALES, po_path

NPLURALS = {"en": 2, "zh_Hans": 1, "zh_Hant": 1, "vi": 1}

# A python-format placeholder, named (%(name)s) or positional (%s); %% is a literal.
_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
# A str.format field the conversion would have missed.
_BRACE = re.compile(r"\{\w*(?:[!:][^}]*)?\}")

# msgctxt namespaces: an error code, or a dotted kind of text.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")
_CONTEXT = re.compile(
    r"notification\.[a-z0-9_]+\.(title|body)|application_state\.[a-z_]+|document_check\.[a-z_]+"
    r"|email\.[a-z0-9_]+\.(subject|p[1-9])|email\.footer"
    r"|page\.legalization_check\.[a-z_]+|document_type\.[a-z_]+|document_rules\.[a-z_]+"
    r"|feed\.[a-z_]+\.title"
)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def forms(value: str | tuple | list) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


def names(text: str) -> set[str]:
    return {match.group(1) for match in _PERCENT.finditer(text.replace("%%", ""))}


def key(message: Message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_template_is_not_empty(template):
    keys = [key(message) for message in messages(template)]
    assert len(keys) > 200
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("locale", LOCALES)
def test_header(catalogues, locale):
    catalogue = catalogues[locale]
    assert not catalogue.fuzzy  # pybabel compile skips a catalogue whose header is fuzzy
    assert str(catalogue.locale) == locale
    assert catalogue.num_plurals == NPLURALS[locale]
    assert catalogue.charset == "utf-8"
    assert catalogue.domain in (None, DOMAIN)


@pytest.mark.parametrize("locale", LOCALES)
def test_same_messages_as_the_template(template, catalogues, locale):
    expected = {key(message): message.id for message in messages(template)}
    actual = {key(message): message.id for message in messages(catalogues[locale])}
    assert actual.keys() == expected.keys()
    assert actual == expected  # plural entries keep both English forms
    assert not catalogues[locale].obsolete


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_translated_and_not_fuzzy(catalogues, locale):
    catalogue = catalogues[locale]
    for message in messages(catalogue):
        assert not message.fuzzy, f"{locale}: fuzzy {key(message)}"
        texts = forms(message.string)
        expected_forms = catalogue.num_plurals if message.pluralizable else 1
        assert len(texts) == expected_forms, f"{locale}: plural forms of {key(message)}"
        assert all(text.strip() for text in texts), f"{locale}: untranslated {key(message)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_babel_checkers(catalogues, locale):
    catalogue = catalogues[locale]
    problems = [(key(message), errors) for message, errors in catalogue.check()]
    assert problems == []
    # And by name, in case the checkers found by entry point are not these two.
    for message in messages(catalogue):
        checkers.num_plurals(catalogue, message)
        checkers.python_format(catalogue, message)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_the_english_ones(catalogues, locale):
    """Stricter than Babel's checker, which lets a translation drop a named placeholder."""
    for message in messages(catalogues[locale]):
        english = forms(message.id)
        wanted = names(english[0])
        assert all(names(form) == wanted for form in english), f"English forms of {key(message)}"
        for text in forms(message.string):
            assert names(text) == wanted, f"{locale}: placeholders of {key(message)}: {text!r}"
            assert not _BRACE.search(text), f"{locale}: a {{field}} left in {key(message)}"
        assert "python-brace-format" not in message.flags
        assert ("python-format" in message.flags) == bool(wanted), key(message)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translation_formats_with_its_parameters(catalogues, locale):
    for message in messages(catalogues[locale]):
        params = {name: f"<{name}>" for name in names(forms(message.id)[0])}
        for text in forms(message.string):
            rendered = text % params
            for name in params:
                assert f"<{name}>" in rendered
            assert "%(" not in rendered


def test_english_catalogue_is_the_source_text(catalogues):
    """The English lives in the code (msgid); en.po must not silently diverge from it."""
    for message in messages(catalogues["en"]):
        assert forms(message.string) == forms(message.id), key(message)


def test_message_contexts(template):
    for message in messages(template):
        context = message.context
        if context is None:
            continue  # validation messages
        assert _ERROR_CODE.fullmatch(context) or _CONTEXT.fullmatch(context), context


def test_plural_entries_count_with_a_placeholder(template):
    plural = [message for message in messages(template) if message.pluralizable]
    assert plural, "the count-bearing errors are plural entries"
    for message in plural:
        singular, plural_form = message.id
        assert names(singular) == names(plural_form) != set()


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_reads_back(catalogues, translations, locale):
    catalogue, compiled = catalogues[locale], translations[locale]
    for message in messages(catalogue):
        texts = forms(message.string)
        if message.pluralizable:
            singular, plural = message.id
            one = (
                compiled.npgettext(message.context, singular, plural, 1)
                if message.context
                else compiled.ngettext(singular, plural, 1)
            )
            many = (
                compiled.npgettext(message.context, singular, plural, 5)
                if message.context
                else compiled.ngettext(singular, plural, 5)
            )
            assert one == texts[0]
            assert many == texts[-1]  # English: form 1; one-form languages: form 0
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == texts[0]
        else:
            assert compiled.gettext(message.id) == texts[0]


@pytest.mark.parametrize("locale", LOCALES)
def test_missing_message_falls_back_to_english(translations, locale):
    compiled = translations[locale]
    assert compiled.pgettext("no_such_code", "An English default.") == "An English default."
    # A known code with an English text that changed in the code: the new English shows.
    assert compiled.pgettext("slot_full", "Reworded English.") == "Reworded English."


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh_Hant", "該時段已額滿，請選擇其他時段。"),
        ("zh_Hans", "该时段已约满，请选择其他时段。"),
        ("vi", "Khung giờ này đã kín chỗ. Vui lòng chọn khung giờ khác."),
    ],
)
def test_babel_loads_the_script_subtag_directories(compiled, locale, expected):
    """Flask-Babel loads catalogues with babel.support.Translations.load and a Locale; the
    directory names (zh_Hans, zh_Hant) must be what str(Locale) gives for them."""
    loaded = Translations.load(str(compiled), [Locale.parse(locale)], DOMAIN)
    message = "This time slot is fully booked. Please choose another."
    assert loaded.pgettext("slot_full", message) == expected


def test_plural_forms_in_the_compiled_catalogues(translations):
    singular = "You already have %(limit)s active appointment, the most allowed."
    plural = "You already have %(limit)s active appointments, the most allowed."
    context = "appointment_limit_reached"
    en, vi = translations["en"], translations["vi"]
    assert en.npgettext(context, singular, plural, 1) % {"limit": 1} == (
        "You already have 1 active appointment, the most allowed."
    )
    assert en.npgettext(context, singular, plural, 3) % {"limit": 3} == (
        "You already have 3 active appointments, the most allowed."
    )
    assert vi.npgettext(context, singular, plural, 1) % {"limit": 1} == (
        "Bạn đã có 1 lịch hẹn đang hiệu lực, mức tối đa cho phép."
    )


def test_po_files_are_where_flask_babel_looks():
    for locale in LOCALES:
        assert po_path(locale).is_file()


def test_a_read_only_release_directory_does_not_stop_the_app(tmp_path, caplog, monkeypatch):
    """Compiled at build in a real deploy: at start-up a folder it cannot write is logged, the
    app still starts (English, gettext's fallback) instead of failing with PermissionError.
    (The tests run as root, who may write anywhere: the refusal is the file system's, faked.)"""
    import shutil
    import tempfile

    from services.core import i18n

    copy = tmp_path / "translations"
    shutil.copytree(
        i18n.TRANSLATIONS_DIR / "vi", copy / "vi", ignore=shutil.ignore_patterns("*.mo")
    )

    def read_only(*_args, **_kwargs):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert i18n.compile_catalogues(copy) == []
    assert "cannot compile" in caplog.text
    assert not list(copy.glob("*/LC_MESSAGES/*.mo"))
