"""Notification templates: a code, and its title and body as texts of the catalogues.

Each domain declares its templates in its ``texts.py`` (``notification_template``), with the
English marked ``C_("notification.<code>.title|body", ...)``; ``services.wiring`` imports
those modules at start-up, so ``notify`` knows every template whatever ran first. ``render``
puts the params in under the recipient's locale: money, times and texts given as params
(``Money``, aware datetimes, ``Text``) are formatted for that locale by Babel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.core.i18n import C_, Text, in_language


@dataclass(frozen=True)
class Template:
    title: Text
    body: Text
    fixed: Mapping[str, Any] = field(default_factory=dict)  # params every use shares
    default: bool = False  # a shared text another declaration of the code may replace


TEMPLATES: dict[str, Template] = {}


def notification_template(
    code: str,
    title: Text,
    body: Text,
    fixed: Mapping[str, Any] | None = None,
    *,
    default: bool = False,
) -> str:
    """Make a template known to ``notify``; returns its code.

    ``default``: texts shared by a family of codes (each application state), which a
    declaration of one code of the family replaces (a state whose notice says more).
    """
    template = Template(title, body, dict(fixed or {}), default)
    known = TEMPLATES.get(code)
    if known is not None and known != template:
        if default:
            return code
        if not known.default:
            raise ValueError(f"two notification templates named {code!r}")
    TEMPLATES[code] = template
    return code


TITLE_MAX = 200  # the inbox's title column (``Notification.title``)


def render(template: str, language: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    """Title and body of ``template`` in ``language`` (English where a text is missing). The
    title is cut to ``TITLE_MAX``: a long name in a translation must never fail the
    insert (and roll back the change it announces)."""
    try:
        texts = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown notification template {template!r}") from None
    values = {**texts.fixed, **(params or {})}
    # A template may end with an optional part ("New status: Accepted. %(note)s"): without
    # it the text must not end with a stray space.
    with in_language(language):
        title = texts.title.render(values).strip()[:TITLE_MAX]
        return title, texts.body.render(values).strip()


TEST_MESSAGE = notification_template(
    "test_message",
    C_("notification.test_message.title", "Test notification"),
    C_("notification.test_message.body", "Notifications reach this device."),
)
