"""Search views: results page and as-you-type suggestions (to be filled by the search work)."""

from flask import Blueprint, jsonify, render_template, request

blueprint = Blueprint("search", __name__, url_prefix="/search")


@blueprint.get("")
def results():
    """Search results for ?q=."""
    return render_template("shop/search.html", query=request.args.get("q", ""))


@blueprint.get("/suggest")
def suggest():
    """Suggestions for what the buyer has typed so far."""
    return jsonify([])
