"""Every field detail a 422 can carry is in the catalogues, and comes back translated.

The project's schemas are inspected (their fields, nested schemas, validators, and the literal
messages of their own validators) to list what marshmallow and our code can say; each must be
a validation message of the catalogue. Then real schemas are fed bad input and their details
are translated with the staged ``ValidationTranslator`` and the compiled catalogues.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import string
from pathlib import Path

import marshmallow as ma
import pytest
import webargs.flaskparser
from flask_smorest.pagination import _pagination_parameters_schema_factory

import schemas
from api.validation import ValidationTranslator
from tests.i18n.conftest import LOCALES

SCHEMAS_DIR = Path(schemas.__file__).parent

# What marshmallow puts into its messages from the field itself (not from the input).
_FIELD_ATTRIBUTES = {"obj_type": "OBJ_TYPE", "awareness": "AWARENESS"}


def python_format(template: str, fixed: dict[str, str] | None = None) -> str:
    """marshmallow's ``{name}`` template -> the catalogue's ``%(name)s`` form."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(literal.replace("%", "%%"))
        if name is None:
            continue
        assert not spec and not conversion, f"unexpected field {{{name}}} in {template!r}"
        out.append(fixed[name] if fixed and name in fixed else f"%({name})s")
    return "".join(out)


def _validator_templates(validator) -> set[str]:
    if isinstance(validator, ma.validate.Length):
        if validator.error:
            return {validator.error}
        if validator.equal is not None:
            return {validator.message_equal}
        if validator.min is not None and validator.max is not None:
            return {validator.message_all}
        return {validator.message_min if validator.min is not None else validator.message_max}
    if isinstance(validator, ma.validate.Range):
        if validator.error:
            return {validator.error}
        if validator.min is not None and validator.max is not None:
            return {validator.message_all}  # the bounds' words are already put in
        return {validator.message_min if validator.min is not None else validator.message_max}
    if isinstance(validator, ma.validate.OneOf | ma.validate.Regexp | ma.validate.Email):
        return {validator.error}
    if isinstance(validator, ma.validate.Validator):
        raise AssertionError(f"list the messages of {type(validator).__name__} here")
    return set()  # a function of ours: its literal messages are found in the source


def field_templates(field: ma.fields.Field, seen: set[type]) -> set[str]:
    """Every message ``field`` (and what it contains) can produce, in python-format."""
    fixed = {
        name: getattr(field, attribute)
        for name, attribute in _FIELD_ATTRIBUTES.items()
        if getattr(field, attribute, None)
    }
    found = set()
    for key, message in field.error_messages.items():
        if key == "invalid_awareness" and "awareness" not in fixed:
            continue  # only the aware / naive datetime fields raise it
        found.add(python_format(message, fixed))
    for validator in field.validators:
        found |= {python_format(template) for template in _validator_templates(validator)}
    children: list[ma.fields.Field] = []
    if isinstance(field, ma.fields.List):
        children.append(field.inner)
    if isinstance(field, ma.fields.Tuple):
        children.extend(field.tuple_fields)
    if isinstance(field, ma.fields.Mapping):
        children.extend(f for f in (field.key_field, field.value_field) if f is not None)
    for child in children:
        found |= field_templates(child, seen)
    if isinstance(field, ma.fields.Nested):
        found |= schema_templates(field.schema, seen)
    return found


def schema_templates(schema: ma.Schema, seen: set[type]) -> set[str]:
    if type(schema) in seen:
        return set()
    seen.add(type(schema))
    found = {python_format(message) for message in schema.error_messages.values()}
    for field in schema.fields.values():
        found |= field_templates(field, seen)
    return found


def project_schemas() -> list[type[ma.Schema]]:
    classes = []
    for module_info in pkgutil.iter_modules([str(SCHEMAS_DIR)]):
        module = importlib.import_module(f"schemas.{module_info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ma.Schema) and cls.__module__ == module.__name__:
                classes.append(cls)
    return classes


def literal_messages(path: Path) -> set[str]:
    """Literal messages our schema code raises: ``ValidationError("...")`` (also through a
    local variable) and validators' ``error="..."``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def strings(node: ast.AST) -> set[str]:
        return {
            n.value
            for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }

    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name == "ValidationError" and node.args:
            message = node.args[0]
            if isinstance(message, ast.Name):
                for value in assigned.get(message.id, []):
                    # {field: ["message"] for ...}: the strings inside the lists
                    found |= {s for s in strings(value) if " " in s}
            else:
                found |= strings(message)
        for keyword in node.keywords:
            if keyword.arg == "error" and isinstance(keyword.value, ast.Constant):
                found.add(python_format(keyword.value.value))
    return found


@pytest.fixture(scope="module")
def validation_msgids(template) -> set[str]:
    return {message.id for message in template if message.id and message.context is None}


@pytest.fixture(scope="module")
def translator(validation_msgids) -> ValidationTranslator:
    return ValidationTranslator(validation_msgids)


def test_schema_literal_messages_are_in_the_catalogue(validation_msgids):
    found: dict[str, str] = {}
    for path in sorted(SCHEMAS_DIR.glob("*.py")):
        for message in literal_messages(path):
            found[message] = path.name
    assert len(found) >= 20  # the scan itself works
    missing = {
        message: where for message, where in found.items() if message not in validation_msgids
    }
    assert missing == {}


def test_marshmallow_messages_of_every_schema_are_in_the_catalogue(validation_msgids):
    seen: set[type] = set()
    needed: set[str] = set()
    classes = project_schemas()
    assert len(classes) > 50
    for cls in classes:
        needed |= schema_templates(cls(), seen)
    pagination = _pagination_parameters_schema_factory(1, 10, 100)
    needed |= schema_templates(pagination(), seen)
    assert "Not a valid email address." in needed  # the inspection itself works
    assert sorted(needed - validation_msgids) == []


def test_webargs_invalid_json_message_is_the_catalogued_one(validation_msgids):
    assert '"Invalid JSON body."' in inspect.getsource(webargs.flaskparser)
    assert "Invalid JSON body." in validation_msgids


def test_translator_picks_the_most_specific_range_message(translator):
    assert translator.msgid_of("Must be greater than or equal to 1.") == (
        "Must be greater than or equal to %(min)s.",
        {"min": "1"},
    )
    assert translator.msgid_of("Must be greater than 1 and less than 5.") == (
        "Must be greater than %(min)s and less than %(max)s.",
        {"min": "1", "max": "5"},
    )
    assert translator.msgid_of("Something nobody catalogued.") is None


def _details(schema: ma.Schema, data) -> dict:
    with pytest.raises(ma.ValidationError) as raised:
        schema.load(data)
    return raised.value.messages


def _leaves(errors) -> list[str]:
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [leaf for value in errors.values() for leaf in _leaves(value)]
    return [leaf for value in errors for leaf in _leaves(value)]


def _bad_inputs() -> list[tuple[ma.Schema, object]]:
    from schemas.accounts import RegisterSchema
    from schemas.applicants import ApplicantCreateSchema
    from schemas.applications import RatingCreateSchema

    return [
        (
            RegisterSchema(),
            {
                "email": "not an address",
                "password": "x" * 300,
                "language": "fr",
                "time_zone": "Mars/Olympus",
                "nickname": "typo",
            },
        ),
        (RegisterSchema(), {"password": "long enough password"}),
        (RegisterSchema(), ["not", "an", "object"]),
        (RatingCreateSchema(), {"score": 9, "comment": None}),
        (RatingCreateSchema(), {"score": "many"}),
        (ApplicantCreateSchema(), {"date_of_birth": "yesterday", "surname_latin": "王"}),
        (ApplicantCreateSchema(), {"surname_latin": "A\x00"}),
    ]


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "en"])
def test_real_schema_details_come_back_translated(translator, translations, locale):
    compiled = translations[locale]
    for schema, data in _bad_inputs():
        errors = _details(schema, data)
        english = _leaves(errors)
        assert english
        translated = translator.translate_tree(errors, compiled.gettext)
        for before, after in zip(english, _leaves(translated), strict=True):
            assert translator.msgid_of(before) is not None, f"not catalogued: {before!r}"
            assert after != before, f"{locale}: left in English: {before!r}"


def test_translated_details_keep_their_values(translator, translations):
    from schemas.accounts import RegisterSchema
    from schemas.applications import RatingCreateSchema

    vi, zh_hant = translations["vi"].gettext, translations["zh_Hant"].gettext
    errors = _details(RegisterSchema(), {"email": "nope", "password": "p", "language": "fr"})
    assert translator.translate_tree(errors, vi) == {
        "email": ["Không phải địa chỉ email hợp lệ."],
        "language": ["Phải là một trong các giá trị: en, zh-Hans, zh-Hant, vi."],
    }
    assert translator.translate_tree(errors, zh_hant) == {
        "email": ["不是有效的電子郵件地址。"],
        "language": ["必須是以下之一：en, zh-Hans, zh-Hant, vi。"],
    }
    errors = _details(RatingCreateSchema(), {"score": 0})
    assert translator.translate_tree(errors, vi) == {
        "score": ["Phải lớn hơn hoặc bằng 1 và nhỏ hơn hoặc bằng 5."]
    }
    # English stays English (the en catalogue maps each message to itself).
    assert translator.translate_tree(errors, translations["en"].gettext) == errors
