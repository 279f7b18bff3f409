"""Serving stored uploads with long cache headers; the names are server-generated and immutable."""

import mimetypes

from flask import Blueprint, abort, send_file

from .catalog.images import media_path

blueprint = Blueprint("media", __name__, url_prefix="/media")

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
    try:
        full = media_path(path)
    except FileNotFoundError:
        abort(404)
    if not full.is_file():
        abort(404)
    response = send_file(full, mimetype=mimetype, max_age=31_536_000, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
