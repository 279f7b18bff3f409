"""The officers' blueprint: every officer page requires an officer with an area.

The view modules (`views`, `household_views`) attach their routes to this one
blueprint; object-level checks (this claim, this household is in the officer's
area) stay in the domain, which answers "not found" outside it.
"""

from flask import Blueprint

from ..accounts import access

blueprint = Blueprint("officer", __name__, url_prefix="/officer")


@blueprint.before_request
def require_officer():
    """Only officers with an area (anonymous visitors go to sign in, others get 403)."""
    access.require_officer()
