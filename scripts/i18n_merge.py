"""Port step of ``scripts/i18n_from_dicts.py``: new messages -> catalogues and code marks.

Given the messages read from a tree that still has the four-language dictionaries (entries
as the converter builds them), this adds to this tree:

- each message the catalogues lack, to ``translations/messages.pot`` and each ``.po`` (with
  its four texts, so nothing turns up untranslated or fuzzy);
- each message the code does not mark yet, as a mark in the module that owns it:
  ``error_text`` / ``error_text_plural`` in ``services/<domain>/texts.py`` of the lowest
  domain whose code names the error code (``api/texts.py`` when only the HTTP layer does,
  ``services/core/texts.py`` when nothing does), ``notification_template`` beside the domain
  that sends it, ``CHECK_TEXTS`` in ``services/documents/texts.py``, ``N_`` in
  ``api/validation_texts.py``.

What the code marks is found as ``pybabel extract`` finds it (``babel.cfg``), so running the
port twice adds nothing the second time. A message whose English differs between the two
trees is reported, not changed: an English text is the message's identity, and a translator
must look at it.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

# Lowest first, as the import contracts order them (models hold no texts).
DOMAINS = (
    "core",
    "accounts",
    "idempotency",
    "catalogue",
    "notifications",
    "appointments",
    "documents",
    "applications",
    "payments",
    "alerts",
    "legalizations",
)
TEMPLATE_DOMAINS = DOMAINS[DOMAINS.index("notifications") :]  # those that may import notify

MARKS = {
    "error_text": "services.core.i18n",
    "error_text_plural": "services.core.i18n",
    "C_": "services.core.i18n",
    "N_": "services.core.i18n",
    "notification_template": "services.notifications.templates",
}


def key_of(context: str | None, msgid: str | tuple | list) -> tuple[str | None, str]:
    return context, msgid if isinstance(msgid, str) else msgid[0]


# --- what this tree has --------------------------------------------------------------------


def marked_in_code(root: Path) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> file, for every text the code marks (as ``pybabel extract``)."""
    with (root / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(root), method_map, options_map
    ):
        found[key_of(context, message)] = filename
    return found


def _python_files(root: Path, folder: str) -> Iterable[Path]:
    return (root / folder).rglob("*.py")


SOURCE: Path | None = None  # the tree being ported: where a new code is raised, if not here


def owner_of(root: Path, code: str, domains: tuple[str, ...] = DOMAINS) -> str | None:
    """The lowest domain whose code names ``code`` as a string (here, else in the source)."""
    pattern = re.compile(rf"""["']{re.escape(code)}["']""")
    for tree in (root, SOURCE):
        for domain in domains if tree else ():
            if any(
                pattern.search(p.read_text()) for p in _python_files(tree, f"services/{domain}")
            ):
                return domain
    return None


def module_for(root: Path, context: str | None) -> str:
    """The module (path from the root) that should mark a message of this context."""
    if context is None:
        return "api/validation_texts.py"
    if context.startswith("document_check."):
        return "services/documents/texts.py"
    if context.startswith("application_state."):
        return "services/applications/texts.py"
    if context.startswith("notification."):
        code = context.split(".")[1]
        by_prefix = [d for d in TEMPLATE_DOMAINS if d.startswith(code.split("_")[0])]
        domain = owner_of(root, code, TEMPLATE_DOMAINS) or next(iter(by_prefix), "notifications")
        return f"services/{domain}/texts.py"
    domain = owner_of(root, context)
    if domain:
        return f"services/{domain}/texts.py"
    in_api = re.compile(rf"""["']{re.escape(context)}["']""")
    for folder in ("api", "schemas"):
        if any(in_api.search(p.read_text()) for p in _python_files(root, folder)):
            return "api/texts.py"
    return "services/core/texts.py"


# --- marks ---------------------------------------------------------------------------------


def _comments(entry) -> list[str]:
    return [f"# TRANSLATORS: {line}" for line in entry.comments]


def _plural_count(entry) -> str:
    for line in entry.comments:
        match = re.fullmatch(r"Plural: n is %\((\w+)\)s\.", line)
        if match:
            return match.group(1)
    found = re.findall(r"%\((\w+)\)s", entry.msgid[0])
    return found[0]


def mark_of(entry) -> tuple[str, set[str]]:
    """Python source that marks ``entry``, and the names it needs imported."""
    context, msgid = entry.context, entry.msgid
    lines = _comments(entry)
    if context is None:
        lines.append(f"N_({msgid!r})")
        return "\n".join(lines), {"N_"}
    if context.startswith("document_check."):
        code = context.split(".", 1)[1]
        lines.append(f"CHECK_TEXTS[{code!r}] = C_({context!r}, {msgid!r})")
        return "\n".join(lines), {"C_"}
    if context.startswith("application_state."):
        state = context.split(".", 1)[1]
        lines.append(f"STATE_NAMES[{state!r}] = C_({context!r}, {msgid!r})")
        return "\n".join(lines), {"C_"}
    if isinstance(msgid, tuple | list):
        singular, plural = msgid
        count = _plural_count(entry)
        lines = [line for line in lines if not line.startswith("# TRANSLATORS: Plural:")]
        lines.append(f"error_text_plural({context!r}, {singular!r}, {plural!r}, {count!r})")
        return "\n".join(lines), {"error_text_plural"}
    lines.append(f"error_text({context!r}, {msgid!r})")
    return "\n".join(lines), {"error_text"}


def template_mark(code: str, title, body) -> tuple[str, set[str]]:
    source = (
        f"notification_template(\n    {code!r},\n"
        f"    C_({title.context!r}, {title.msgid!r}),\n"
        f"    C_({body.context!r}, {body.msgid!r}),\n)"
    )
    return source, {"C_", "notification_template"}


_NEW_MODULE = '''"""Texts of {what}: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations
'''


def add_marks(root: Path, marks: dict[str, list[tuple[str, set[str]]]]) -> list[Path]:
    """Append the marks to their modules (creating them), with the imports they need."""
    written = []
    for relative, items in marks.items():
        path = root / relative
        if path.exists():
            source = path.read_text()
        else:
            what = relative.removesuffix("/texts.py").replace("/", ".")
            source = _NEW_MODULE.format(what=what)
            if not relative.startswith("services/"):
                source = source.replace("``services.wiring``", "``api.errors``")
        needed = set().union(*(names for _mark, names in items))
        missing = sorted(name for name in needed if not re.search(rf"\b{name}\b", source))
        imports = "".join(f"from {MARKS[name]} import {name}\n" for name in missing)
        if imports:
            future = "from __future__ import annotations\n"
            if future in source:
                source = source.replace(future, future + "\n" + imports, 1)
            else:
                source = imports + source
        source = source.rstrip("\n") + "\n\n" + "\n\n".join(mark for mark, _ in items) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        written.append(path)
    if written:  # sort the imports and lay the marks out as the project does
        files = [str(path) for path in written]
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--fix", "--select", "I,F401", "-q", *files], check=False)
        subprocess.run([*ruff, "format", "-q", *files], check=False)
    return written


# --- catalogues ----------------------------------------------------------------------------


def add_to_catalogues(files: dict[Path, str | None], entries: list) -> None:
    """Add ``entries`` to the template (language None) and each language's catalogue."""
    for path, language in files.items():
        with path.open("rb") as file:
            catalog = read_po(file, locale=None if language is None else path.parts[-3])
        for entry in entries:
            if language is None:
                string = ("", "") if isinstance(entry.msgid, tuple | list) else ""
            else:
                string = entry.texts[language]
                string = tuple(string) if isinstance(string, list) else string
            msgid = tuple(entry.msgid) if isinstance(entry.msgid, list) else entry.msgid
            catalog.add(msgid, string, auto_comments=entry.comments, context=entry.context)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=76, ignore_obsolete=True, include_previous=False)
        path.write_bytes(buffer.getvalue())


def catalogue_keys(path: Path) -> dict[tuple[str | None, str], object]:
    with path.open("rb") as file:
        return {key_of(m.context, m.id): m.id for m in read_po(file) if m.id}


def port(root: Path, entries: list, files: dict[Path, str | None], *, check: bool) -> list[str]:
    """Bring ``entries`` into this tree; returns what was (or, with ``check``, would be) done."""
    report: list[str] = []
    template = next(path for path, language in files.items() if language is None)
    in_catalogue = catalogue_keys(template)
    new_in_catalogue = [e for e in entries if e.key not in in_catalogue]
    # Errors are known by their code: an English text that changed is a conflict to look at.
    catalogue_contexts = {context: msgid for context, msgid in in_catalogue}
    for entry in new_in_catalogue:
        if entry.context and not entry.context.startswith(("notification.", "application_state.")):
            if entry.context in catalogue_contexts and not entry.context.startswith(
                "document_check."
            ):
                report.append(
                    f"the English of {entry.context} differs from the catalogue's; "
                    f"both kept, update the mark by hand: {entry.key[1]!r}"
                )
    marked = marked_in_code(root)
    marked_contexts = {context for context, _msgid in marked if context}
    unmarked = [
        e
        for e in entries
        if e.key not in marked and (e.context is None or e.context not in marked_contexts)
    ]

    marks: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    templates: dict[str, dict[str, object]] = defaultdict(dict)
    for entry in unmarked:
        if entry.context and entry.context.startswith("notification."):
            _, code, part = entry.context.split(".")
            templates[code][part] = entry
            continue
        marks[module_for(root, entry.context)].append(mark_of(entry))
    for code, parts in templates.items():
        if set(parts) != {"title", "body"}:
            report.append(f"notification {code}: only its {', '.join(parts)} is new; by hand")
            continue
        module = module_for(root, f"notification.{code}.title")
        marks[module].append(template_mark(code, parts["title"], parts["body"]))

    for entry in new_in_catalogue:
        report.append(f"catalogues: add {entry.key}")
    for module, items in marks.items():
        report.append(f"{module}: mark {len(items)} text(s)")
    if not check:
        if new_in_catalogue:
            add_to_catalogues(files, new_in_catalogue)
        add_marks(root, marks)
    return report
