"""E-mail templates in the four languages, rendered to a subject, plain text and HTML.

Each domain registers its own (``register_templates``) at start-up (``services.wiring``), so
the worker renders a message from the template code and params stored in the outbox row, in
the recipient's language (English where a language is missing). A template is, per
language, a ``subject`` and a list of ``paragraphs`` formatted with ``str.format``; the HTML
part escapes every value and turns ``{link}`` into an anchor.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from services.core.languages import DEFAULT_LANGUAGE

EmailTemplate = dict[str, dict[str, Any]]  # language -> {"subject": str, "paragraphs": [...]}

FOOTER = {
    "en": "Palm service hall. This is an automatic message; replies are not read.",
    "zh-Hans": "掌上服务大厅。此邮件由系统自动发送，请勿回复。",
    "zh-Hant": "掌上服務大廳。此郵件由系統自動發送，請勿回覆。",
    "vi": "Palm service hall. Đây là thư tự động; thư trả lời sẽ không được đọc.",
}

TEMPLATES: dict[str, EmailTemplate] = {}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def register_templates(templates: dict[str, EmailTemplate]) -> None:
    for code, texts in templates.items():
        if DEFAULT_LANGUAGE not in texts:
            raise ValueError(f"e-mail template {code!r} has no English text")
        TEMPLATES[code] = texts


class _Values(dict):
    """Params for ``format_map``: a missing one shows as ``{name}`` rather than failing."""

    def __init__(self, params: dict[str, Any], *, for_html: bool) -> None:
        super().__init__()
        for key, value in params.items():
            text = str(value)
            if for_html:
                text = html.escape(text)
                if key == "link":
                    text = f'<a href="{text}">{text}</a>'
            self[key] = text

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, language: str, params: dict[str, Any] | None) -> RenderedEmail:
    try:
        texts = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown e-mail template {template!r}") from None
    chosen = language if language in texts else DEFAULT_LANGUAGE
    text = texts[chosen]
    params = params or {}
    plain = _Values(params, for_html=False)
    marked = _Values(params, for_html=True)
    subject = text["subject"].format_map(plain)
    paragraphs = [p.format_map(plain) for p in text["paragraphs"]]
    footer = FOOTER.get(chosen, FOOTER[DEFAULT_LANGUAGE])
    body_html = "".join(f"<p>{html.escape(p).format_map(marked)}</p>\n" for p in text["paragraphs"])
    return RenderedEmail(
        subject=subject,
        text="\n\n".join([*paragraphs, "--", footer]) + "\n",
        html=(
            f'<!DOCTYPE html>\n<html lang="{html.escape(chosen)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n"
            f'<body style="font-family: sans-serif; line-height: 1.5">\n{body_html}'
            f'<hr><p style="color: #666; font-size: small">{html.escape(footer)}</p>\n'
            "</body></html>\n"
        ),
    )
