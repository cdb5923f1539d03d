"""Public checks of a consular legalization: by its three numbers, by the signed payload of
the sticker's QR code, or by the older signed link.

No login. The lookup and the payload check are POSTs so that the numbers stay out of URLs
and access logs. All routes share per-IP rate limits, misses counting toward a stricter one;
answers are never cached (``Cache-Control: no-store``), errors included. A browser that
opens an older sticker's link is sent to the human page (``legalization_pages``); apps
keep the JSON.
"""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask.views import MethodView

from api.blueprint import Blueprint
from api.extensions import client_ip, limiter
from api.security_headers import never_cached
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


RATE_LIMITS = [
    limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LEGALIZATION_LOOKUP_PER_IP"],
        scope="legalization-check",
        key_func=client_ip,
    ),
    limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LEGALIZATION_MISSES_PER_IP"],
        scope="legalization-miss",
        key_func=client_ip,
        deduct_when=_missed,
    ),
]


never_cached(blp, personal=False)


@blp.route("/lookup")
class LegalizationLookup(MethodView):
    decorators = RATE_LIMITS

    @blp.arguments(LegalizationLookupSchema)
    @blp.response(200, PublicLegalizationSchema)
    @blp.errors(404, 429)
    def post(self, data):
        """Check a legalization by its authentication number, sub-number and sticker number"""
        return legalizations.lookup_legalization(**data)


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
