"""The four languages the service speaks: en, zh-Hans, zh-Hant, vi.

Clients send BCP 47 tags; we map them onto those four (zh-TW, zh-HK and zh-MO are
Traditional; zh, zh-CN and zh-SG are Simplified) and fall back to English.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh-Hans", "zh-Hant", "vi")
DEFAULT_LANGUAGE = "en"

_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


def normalise_language(tag: str | None) -> str | None:
    """Map one BCP 47 tag onto a supported language, or None."""
    if not tag:
        return None
    parts = tag.replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "vi":
        return "vi"
    if parts[0] == "zh":
        rest = set(parts[1:])
        if "hant" in rest or (rest & _TRADITIONAL_REGIONS and "hans" not in rest):
            return "zh-Hant"
        return "zh-Hans"
    return None


def pick_translation(texts: dict[str, str] | None, language: str) -> str | None:
    """Choose a text from a ``{language: text}`` dict, falling back to English."""
    if not texts:
        return None
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))
