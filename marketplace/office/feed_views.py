"""The office page of the group's product feeds: the addresses to paste into Google Merchant
Center and Meta's Commerce Manager, a short how-to, and the products no feed lists (and why)."""

from flask import render_template

from ..marketing import feeds
from .blueprint import blueprint, current_group


def feed_addresses(group):
    """[(catalogue, language code, absolute feed address)] of the group's feeds."""
    return [
        (kind, language, feeds.public_url(endpoint, language, slug=group.slug))
        for kind, endpoint in (("google", "feeds.google_group"), ("meta", "feeds.meta_group"))
        for language in ("th", "en")
    ]


@blueprint.get("/<group_slug>/feeds")
def feeds_page():
    """Feed addresses and how to use them, for the group's members."""
    group = current_group()
    return render_template(
        "office/feeds.html",
        group=group,
        addresses=feed_addresses(group),
        gaps=feeds.feed_gaps(group),
    )
