"""E-mail templates, rendered to a subject, plain text and HTML in the recipient's language.

Each domain declares its e-mails in its ``texts.py`` (``email_template``) with texts marked
for the gettext catalogues (``C_("email.<code>.subject", ...)``, one text per paragraph),
so that the worker renders a message from the template code and the params stored in the
outbox row, in the recipient's language (English where a translation is missing). The HTML
part escapes every value and turns ``link`` into an anchor.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from services.core.i18n import C_, Text, display, in_language, translated_template

FOOTER = C_(
    "email.footer", "Palm service hall. This is an automatic message; replies are not read."
)


@dataclass(frozen=True)
class EmailTemplate:
    subject: Text
    paragraphs: tuple[Text, ...]


TEMPLATES: dict[str, EmailTemplate] = {}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_template(code: str, subject: Text, *paragraphs: Text) -> EmailTemplate:
    """Declare the e-mail ``code`` (called when its domain's ``texts`` module is imported)."""
    template = EmailTemplate(subject, tuple(paragraphs))
    known = TEMPLATES.get(code)
    if known is not None and known != template:
        raise ValueError(f"two e-mail templates named {code!r}")
    TEMPLATES[code] = template
    return template


class _Escaped(dict):
    """Params for an HTML paragraph: each value escaped, ``link`` an anchor; a missing one
    stays visible instead of failing the message."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__()
        for key, value in params.items():
            text = html.escape(str(display(value)))
            self[key] = f'<a href="{text}">{text}</a>' if key == "link" else text

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def _html_paragraph(text: Text, params: dict[str, Any]) -> str:
    # The translated template is escaped first and the escaped values put in after, so that
    # neither a translation nor a value can add markup.
    template = html.escape(translated_template(text), quote=False)
    try:
        return template % _Escaped(params)
    except (TypeError, ValueError):  # a broken translation: the English still reads well
        return html.escape(text.english, quote=False) % _Escaped(params)


def render(template: str, language: str, params: dict[str, Any] | None) -> RenderedEmail:
    try:
        texts = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown e-mail template {template!r}") from None
    params = params or {}
    with in_language(language):
        subject = texts.subject.render(params)
        paragraphs = [p.render(params) for p in texts.paragraphs]
        body_html = "".join(f"<p>{_html_paragraph(p, params)}</p>\n" for p in texts.paragraphs)
        footer = FOOTER.render()
    lang = html.escape(language)
    return RenderedEmail(
        subject=subject,
        text="\n\n".join([*paragraphs, "--", footer]) + "\n",
        html=(
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n"
            f'<body style="font-family: sans-serif; line-height: 1.5">\n{body_html}'
            f'<hr><p style="color: #666; font-size: small">{html.escape(footer)}</p>\n'
            "</body></html>\n"
        ),
    )
