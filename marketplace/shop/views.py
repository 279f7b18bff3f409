"""Storefront views: parse the request, call one catalog function, render."""

from flask import Blueprint, render_template

blueprint = Blueprint("shop", __name__)


@blueprint.get("/")
def home():
    """Featured groups and products."""
    return render_template("shop/home.html")
