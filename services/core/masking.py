"""Masking personal data in public answers: enough for the holder to recognise, no more."""

from __future__ import annotations

import unicodedata


def mask_person_name(name: str) -> str:
    """Keep each word's first letter and hide the rest: "Nguyễn Văn An" -> "N*** V** A*".

    At most three stars a word, so the mask does not give away a long word's length.
    """
    words = unicodedata.normalize("NFC", name).split()
    return " ".join(word[0] + "*" * min(len(word) - 1, 3) for word in words)
