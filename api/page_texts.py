"""The words of the legalization check page (the page a sticker's QR code opens).

The English is marked for ``pybabel extract`` and translated by the gettext catalogues, as
every text of the API; language names stay as each language writes its own name.
"""

from __future__ import annotations

from services.core.i18n import C_, Text

LANGUAGE_NAMES = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文", "vi": "Tiếng Việt"}

PAGE_TEXTS: dict[str, Text] = {
    "title": C_("page.legalization_check.title", "Check a consular legalization"),
    "genuine": C_("page.legalization_check.genuine", "Genuine"),
    "genuine_text": C_(
        "page.legalization_check.genuine_text",
        "This legalization was issued by %(post)s and has not been revoked.",
    ),
    "revoked": C_("page.legalization_check.revoked", "Revoked"),
    "revoked_text": C_(
        "page.legalization_check.revoked_text",
        "This legalization was issued by %(post)s but was revoked on %(date)s. Do not accept it.",
    ),
    "not_found": C_("page.legalization_check.not_found", "Not found"),
    "not_found_text": C_(
        "page.legalization_check.not_found_text",
        "No legalization matches this code. The sticker may be damaged or not genuine: ask the mission that issued it, quoting the numbers printed on the sticker.",
    ),
    "checked_at": C_("page.legalization_check.checked_at", "Checked online on %(date)s (UTC)."),
    "offline_note": C_(
        "page.legalization_check.offline_note",
        "The QR code is signed: it can also be checked without a connection, with the ministry's published keys. Only this online check shows a later revocation.",
    ),
    "language": C_("page.legalization_check.language", "Language"),
    "authentication_number": C_(
        "page.legalization_check.authentication_number", "Authentication number"
    ),
    "sub_number": C_("page.legalization_check.sub_number", "Sub-number"),
    "sticker_number": C_("page.legalization_check.sticker_number", "Sticker number"),
    "document_type": C_("page.legalization_check.document_type", "Document type"),
    "document_title": C_("page.legalization_check.document_title", "Document"),
    "issuer": C_("page.legalization_check.issuer", "Issued by"),
    "signer": C_("page.legalization_check.signer", "Seal and signature of"),
    "legalized_on": C_("page.legalization_check.legalized_on", "Legalized on"),
    "place": C_("page.legalization_check.place", "Place"),
    "country_of_use": C_("page.legalization_check.country_of_use", "For use in"),
    "submitted_by": C_("page.legalization_check.submitted_by", "Submitted by"),
    "issuing_post": C_("page.legalization_check.issuing_post", "Issuing mission"),
    "signed_at": C_("page.legalization_check.signed_at", "QR code signed on"),
}

DOCUMENT_TYPE_NAMES: dict[str, Text] = {
    "civil_status": C_("document_type.civil_status", "Civil status"),
    "education": C_("document_type.education", "Education"),
    "commercial": C_("document_type.commercial", "Commercial"),
    "notarial": C_("document_type.notarial", "Notarial"),
    "judicial": C_("document_type.judicial", "Judicial"),
    "medical": C_("document_type.medical", "Medical"),
    "other": C_("document_type.other", "Other"),
}
