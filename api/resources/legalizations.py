"""Public checks of a consular legalization: by its three numbers, by the signed payload of
the sticker's QR code, or by the older signed link.

No login. The lookup and the payload check are POSTs so that the numbers stay out of URLs
and access logs. All routes share per-IP rate limits, misses counting toward a stricter one;
answers are never cached (``Cache-Control: no-store``), errors included. A browser that
opens an older sticker's link is sent to the human page (``legalization_pages``); apps
keep the JSON.
"""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask.views import MethodView

from api.blueprint import Blueprint
from api.edge_lookups import Lookup
from api.i18n import pick_translation
from api.rate_limits import BY_IP, Limit, rate_limited
from api.security_headers import never_cached
from schemas.common import current_language
from schemas.legalizations import (
    LegalizationLookupSchema,
    PublicLegalizationSchema,
    SealedCheckSchema,
    SealedStickerSchema,
)
from services.legalizations import legalizations, sealed_stickers
from services.legalizations import links as legalization_links

URL_PREFIX = "/legalizations"
blp = Blueprint("legalizations", __name__, description="Check a consular legalization (no login)")


def _missed(response) -> bool:
    return response.status_code == 404


# One budget for every public check (these routes and the human pages), judged in one
# Redis round trip (``api.rate_limits``).
CHECKS = Limit("RATELIMIT_LEGALIZATION_LOOKUP_PER_IP", BY_IP, scope="legalization-check")
MISSES = Limit(
    "RATELIMIT_LEGALIZATION_MISSES_PER_IP",
    BY_IP,
    scope="legalization-miss",
    deduct_when=_missed,
)
LIMITS = (CHECKS, MISSES)
RATE_LIMITS = [rate_limited(*LIMITS)]


def public_payload(shown: legalizations.PublicLegalization, language: str) -> dict:
    """The answer as ``PublicLegalizationSchema`` documents it, built directly (the service
    already chose and masked every field; a schema dump would only check them again)."""
    revoked_at = shown.revoked_at
    return {
        "authentication_number": shown.authentication_number,
        "sub_number": shown.sub_number,
        "sticker_number": shown.sticker_number,
        "submitter_kind": shown.submitter_kind,
        "submitter_name": shown.submitter_name,
        "country_of_use": shown.country_of_use,
        "document_type": shown.document_type,
        "document_title": shown.document_title,
        "issuer": shown.issuer,
        "signer": shown.signer,
        "legalized_on": shown.legalized_on.isoformat(),
        "place": shown.place,
        "post_code": shown.post_code,
        "post_name": pick_translation(shown.post_names, language),
        "status": shown.status,
        "revoked_at": None if revoked_at is None else revoked_at.isoformat(),
    }


never_cached(blp, personal=False)

# The lookup as the edge answers it (``api.edge_lookups``) and as the view does: one schema
# instance, one list of limits.
EDGE_LOOKUP = Lookup(
    path="/api/v1/legalizations/lookup",
    schema=LegalizationLookupSchema(),
    limits=LIMITS,
    find=lambda data, language: public_payload(legalizations.lookup_legalization(**data), language),
    miss_error=legalizations.NOT_FOUND,
)


@blp.route("/lookup")
class LegalizationLookup(MethodView):
    decorators = RATE_LIMITS

    # An instance, built once: given the class, webargs builds a schema on every request.
    @blp.arguments(EDGE_LOOKUP.schema)
    @blp.response(200, PublicLegalizationSchema)
    @blp.errors(404, 429)
    def post(self, data):
        """Check a legalization by its authentication number, sub-number and sticker number"""
        return jsonify(
            public_payload(legalizations.lookup_legalization(**data), current_language())
        )


@blp.route("/verify")
class LegalizationSealedCheck(MethodView):
    decorators = RATE_LIMITS

    @blp.arguments(SealedStickerSchema)
    @blp.response(200, SealedCheckSchema)
    @blp.errors(404, 429)
    def post(self, data):
        """Check a sticker by its QR code's signed payload: genuine, revoked, or not found"""
        return sealed_stickers.check_sticker(data["payload"])


def _browser_wants_a_page() -> bool:
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "text/html"


@blp.route("/verify/<string:token>")
class LegalizationVerify(MethodView):
    decorators = RATE_LIMITS

    @blp.response(200, PublicLegalizationSchema)
    @blp.alt_response(303, description="A browser (Accept: text/html) goes to the human page")
    @blp.errors(404, 429)
    def get(self, token):
        """Check a legalization by the older signed link in its sticker's QR code"""
        if _browser_wants_a_page():
            return redirect(url_for("legalization_pages.TokenPage", token=token), 303)
        return legalization_links.verify_token(token)
