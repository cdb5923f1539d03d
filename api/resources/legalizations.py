"""Public checks of a consular legalization: by its three numbers, or by the sticker's QR link.

No login. The lookup is a POST so that the numbers stay out of URLs and access logs. Both
routes share per-IP rate limits, misses counting toward a stricter one; answers are never
cached (``Cache-Control: no-store``), errors included.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from api.blueprint import Blueprint
from api.extensions import client_ip, limiter
from api.security_headers import never_cached
from schemas.legalizations import LegalizationLookupSchema, PublicLegalizationSchema
from services.legalizations import legalizations
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


@blp.route("/verify/<string:token>")
class LegalizationVerify(MethodView):
    decorators = RATE_LIMITS

    @blp.response(200, PublicLegalizationSchema)
    @blp.errors(404, 429)
    def get(self, token):
        """Check a legalization by the signed link in its sticker's QR code"""
        return legalization_links.verify_token(token)
