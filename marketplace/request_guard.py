"""Input no view should ever see: NUL bytes in a URL path (404), query string or form (400).

PostgreSQL refuses text containing NUL ("A string literal cannot contain NUL
characters"), so a path like `/products/%00` used to reach the database and
answer 500, while SQLite answered 404. The URL converters below never match a
NUL, so such a path is simply not found, for every route at once; a NUL in a
query-string or form value is refused before any view runs, with a message.
"""

from flask import request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest
from werkzeug.routing import PathConverter, UnicodeConverter

NUL = "\x00"
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>`: one path segment without NUL (lengths as werkzeug's)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        # werkzeug writes the segment as "[^/]{min,max}": keep the lengths, exclude NUL.
        self.regex = self.regex.replace("[^/]", "[^/\x00]", 1)


class NulFreePathConverter(PathConverter):
    """`<path:name>`: segments with slashes, without NUL."""

    regex = "[^/\x00][^\x00]*?"


class BadInput(BadRequest):
    """A 400 whose page says what was wrong, in the user's language."""

    def __init__(self, user_message):
        super().__init__(description=user_message)
        self.user_message = user_message


def _has_nul(multidict):
    return any(NUL in key or NUL in value for key, value in multidict.items(multi=True))


def reject_nul_input():
    """before_request: a NUL in the query string or a form field answers 400 with a message."""
    if _has_nul(request.args) or (request.mimetype in FORM_MIMETYPES and _has_nul(request.form)):
        raise BadInput(
            gettext(
                "The request contained a character that cannot be used (a NUL byte). "
                "Remove it and try again."
            )
        )


def init_app(app):
    """Install the NUL-free converters (before any route is added) and the input check."""
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.url_map.converters["path"] = NulFreePathConverter
    app.before_request(reject_nul_input)
