"""Texts of notifications in the four languages, by template code.

Each area registers its templates here (``register_templates``) so that ``notify`` can render
an inbox item in the recipient's language. Params are formatted with ``str.format``.
"""

from __future__ import annotations

from typing import Any

from services.core.languages import DEFAULT_LANGUAGE

Template = dict[str, dict[str, str]]  # language -> {"title": ..., "body": ...}

TEMPLATES: dict[str, Template] = {
    "test_message": {
        "en": {"title": "Test notification", "body": "Notifications reach this device."},
        "zh-Hans": {"title": "测试通知", "body": "此设备可以收到通知。"},
        "zh-Hant": {"title": "測試通知", "body": "此裝置可以收到通知。"},
        "vi": {"title": "Thông báo thử", "body": "Thiết bị này nhận được thông báo."},
    },
}


def register_templates(templates: dict[str, Template]) -> None:
    for code, texts in templates.items():
        if DEFAULT_LANGUAGE not in texts:
            raise ValueError(f"template {code!r} has no English text")
        TEMPLATES[code] = texts


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, language: str, params: dict[str, Any] | None) -> tuple[str, str]:
    """Title and body of ``template`` in ``language`` (English when that one is missing)."""
    try:
        texts = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown notification template {template!r}") from None
    text = texts.get(language) or texts[DEFAULT_LANGUAGE]
    values = _Defaulting(params or {})
    # A template may end with an optional part ("New status: Accepted. {note}"): without
    # it the text must not end with a stray space.
    return text["title"].format_map(values).strip(), text["body"].format_map(values).strip()
