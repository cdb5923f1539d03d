"""The local object store's upload and download ends (embedded default only).

They speak the S3 browser-POST protocol so that the phone's upload code is the same in
development and production: the form's signed policy is the authorisation, no login. They
are registered only when ``STORAGE_BACKEND=local``.
"""

from __future__ import annotations

from flask import current_app, request, send_file
from flask.views import MethodView

from api.blueprint import Blueprint
from api.errors import error_response
from api.security_headers import never_cached
from services.documents import local_store as local_storage
from storage import content_disposition

URL_PREFIX = "/storage"
blp = Blueprint(
    "storage", __name__, description="Local object store (embedded default of S3 uploads)"
)

UPLOAD_BODY_DOC = {
    "required": True,
    "description": (
        "The fields returned by the upload request, exactly as given, then the file as the "
        "last part (field `file`)."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "Content-Type": {"type": "string"},
                    "x-amz-server-side-encryption": {"type": "string"},
                    "policy": {"type": "string"},
                    "x-amz-signature": {"type": "string"},
                    "file": {"type": "string", "format": "binary"},
                },
                "required": ["key", "policy", "x-amz-signature", "file"],
            }
        }
    },
}
DOWNLOAD_RESPONSE_DOC = {
    "200": {
        "description": "The file, as an attachment",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("image/jpeg", "image/png", "application/pdf")
        },
    }
}


never_cached(blp, personal=True)


@blp.route("/local-upload")
class LocalUpload(MethodView):
    accepts_raw_body = True

    @blp.doc(requestBody=UPLOAD_BODY_DOC)
    @blp.response(204, description="Stored")
    @blp.errors(400, 403, 404, 413, 415)
    def post(self):
        """Upload a file with a signed policy (the local twin of an S3 presigned POST)"""
        if request.mimetype != "multipart/form-data":
            return error_response(415, "unsupported_media_type")
        # Our own, larger limit for files (the app-wide one is sized for JSON bodies).
        request.max_content_length = current_app.config["STORAGE_LOCAL_MAX_UPLOAD_BYTES"]
        upload = request.files.get("file")
        if upload is None or len(request.files) != 1:
            return error_response(400, "upload_file_missing")
        local_storage.accept_upload(request.form.to_dict(), upload.read(), upload.mimetype or None)


@blp.route("/local-download/<string:token>")
class LocalDownload(MethodView):
    @blp.doc(responses=DOWNLOAD_RESPONSE_DOC)
    @blp.errors(404)
    def get(self, token):
        """Download a file with a signed link of a few minutes"""
        found = local_storage.resolve_download(token)
        response = send_file(found.path, mimetype=found.content_type, max_age=0, etag=False)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if found.filename:
            response.headers["Content-Disposition"] = content_disposition(found.filename)
        return response
