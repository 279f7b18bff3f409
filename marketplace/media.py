"""Serving stored uploads with long cache headers; the names are server-generated and immutable."""

import mimetypes

from flask import Blueprint, Response, abort, redirect, send_file

from .storage import LONG_CACHE, PRIVATE_FILE_CSP, check_key, storage

blueprint = Blueprint("media", __name__, url_prefix="/media")

EVIDENCE_INLINE = frozenset({"image/jpeg", "image/png", "image/webp"})
EVIDENCE_SUFFIXES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
}
SERVED_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg", ".png": "image/png"}


@blueprint.get("/<path:path>")
def file(path):
    """A public product image. Evidence and slips are not served here."""
    if not path.startswith("products/"):
        abort(404)
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    mimetype = SERVED_TYPES.get(suffix) or mimetypes.guess_type(path)[0]
    if mimetype is None:
        abort(404)
    store = storage()
    try:
        key = check_key(path, within="products")
        public = store.public_url(key)
        if public:  # pages link the bucket directly; an old link still finds the photo
            return redirect(public, code=301)
        local = store.local_path(key)
        if local is not None:
            if not local.is_file():
                abort(404)
            response = send_file(local, mimetype=mimetype, max_age=31_536_000, conditional=True)
        else:
            response = Response(store.read(key), mimetype=mimetype)
    except FileNotFoundError:
        abort(404)
    response.headers["Cache-Control"] = LONG_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_evidence(evidence):
    """A claim's evidence file, for a view that has already checked who may see it.

    Private and never cached; pictures show inline, PDFs and anything else
    download as attachments; no sniffing, and a sandbox so nothing can run.
    """
    try:
        data = storage().read(check_key(f"evidence/{evidence.key}", within="evidence"))
    except FileNotFoundError:
        abort(404)
    content_type = evidence.content_type
    inline = content_type in EVIDENCE_INLINE
    if not inline and content_type != "application/pdf":
        content_type = "application/octet-stream"  # never let a browser render it
    name = f"evidence-{evidence.id}{EVIDENCE_SUFFIXES.get(content_type, '')}"
    # Read whole (uploads are capped by MAX_CONTENT_LENGTH): no file handle
    # outlives the request, however the response is consumed.
    response = Response(data, mimetype=content_type)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PRIVATE_FILE_CSP
    return response
