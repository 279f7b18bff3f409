"""Officer views: the claim review queue."""

from flask import Blueprint

from ..accounts import access

blueprint = Blueprint("officer", __name__, url_prefix="/officer")


@blueprint.before_request
def require_officer():
    """Only officers with an area (anonymous visitors go to sign in, others get 403)."""
    access.require_officer()
