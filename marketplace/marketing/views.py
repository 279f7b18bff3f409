"""Public share-card images: thin views over marketing/cards.py.

`/cards/<kind>/<ref>/<size>/<lang>/<key>.jpg` is the keyed address a page
links: while the key is current it answers the image with a year-long cache
header; once what the card shows has changed (a claim revoked, a new price)
it redirects to the current card, so the old picture is never served again.
`/cards/<kind>/<ref>/<size>/<lang>.jpg` always redirects to the current card.
"""

from flask import Blueprint, abort, make_response, redirect

from . import cards

blueprint = Blueprint("marketing", __name__)

KEYED_MAX_AGE = 365 * 24 * 60 * 60


def _content_or_404(kind, ref, size, lang):
    if size not in cards.SIZES:
        abort(404)
    try:
        return cards.card_content(kind, ref, lang)
    except cards.CardNotFound:
        abort(404)


def _to_current(content, size):
    response = redirect(content.url(size), code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/cards/<kind>/<ref>/<size>/<lang>.jpg")
def current_card(kind, ref, size, lang):
    """Redirect to the current keyed card (what the office page's downloads link)."""
    return _to_current(_content_or_404(kind, ref, size, lang), size)


@blueprint.get("/cards/<kind>/<ref>/<size>/<lang>/<key>.jpg")
def card(kind, ref, size, lang, key):
    """The card image while `key` is current; otherwise a redirect to the current card."""
    content = _content_or_404(kind, ref, size, lang)
    if key != content.key(size):
        return _to_current(content, size)
    response = make_response(cards.card_image(content, size))
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = f"public, max-age={KEYED_MAX_AGE}, immutable"
    # The name a phone saves the download under (the office page's links say the same).
    response.headers.set("Content-Disposition", "inline", filename=f"card-{ref}-{size}-{lang}.jpg")
    return response
