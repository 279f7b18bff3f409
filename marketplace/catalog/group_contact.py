"""A group's contact on its public page: only what the group chose to show, as links.

The office profile keeps the phone, e-mail and LINE ID the platform uses; each
has a "show on our public page" choice, off until the leader ticks it (a
contact given to the platform is not consent to publish it, and for many
groups it is the leader's own phone). The village's map link needs coordinates
and its own choice.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from ..accounts.audit import AuditAction, audit
from ..extensions import db

# Thailand's extent, with a margin: coordinates outside it are a typing mistake.
LATITUDE_RANGE = (5.0, 21.0)
LONGITUDE_RANGE = (97.0, 106.0)
_NUMBER = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,8})?$")
SHOW_FIELDS = ("show_phone", "show_email", "show_line_id", "show_map")


class ContactError(ValueError):
    """A contact choice that cannot be saved; `message` for the person, `field` the form field."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _coordinate(text, low, high, field, message):
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    if not _NUMBER.fullmatch(text) or not low <= float(text) <= high:
        raise ContactError(message, field)
    return float(text)


def parse_coordinates(latitude, longitude):
    """(latitude, longitude) as floats, or (None, None); ContactError when only one is given
    or either lies outside Thailand."""
    lat = _coordinate(
        latitude,
        *LATITUDE_RANGE,
        "latitude",
        _l("Latitude is a number from 5 to 21 in Thailand, e.g. 19.5613."),
    )
    lon = _coordinate(
        longitude,
        *LONGITUDE_RANGE,
        "longitude",
        _l("Longitude is a number from 97 to 106 in Thailand, e.g. 99.7412."),
    )
    if (lat is None) != (lon is None):
        field = "longitude" if lon is None else "latitude"
        raise ContactError(_l("Enter both latitude and longitude, or neither."), field)
    return lat, lon


def update_public_contact(group, *, latitude="", longitude="", **choices):
    """Save what the group shows publicly and the village's coordinates (flushes, audits)."""
    lat, lon = parse_coordinates(latitude, longitude)
    values = {name: bool(choices.get(name)) for name in SHOW_FIELDS}
    values.update(latitude=lat, longitude=lon)
    changed = sorted(key for key, value in values.items() if getattr(group, key) != value)
    for key in changed:
        setattr(group, key, values[key])
    db.session.flush()
    if changed:
        audit(AuditAction.GROUP_UPDATED, group, fields=changed)
    return group


@dataclass(frozen=True)
class ContactLink:
    """One way to reach the group: what it is, the text shown and where the link goes."""

    kind: str  # line | phone | email | map
    text: str
    href: str


def _tel(phone):
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits.startswith("0") and len(digits) in (9, 10):
        return "tel:+66" + digits[1:]  # a Thai number, dialable from abroad too
    return "tel:" + digits


def line_url(line_id):
    """The line.me link that opens a chat: @-IDs are official accounts, others personal."""
    line_id = line_id.strip()
    if line_id.startswith("@"):
        return "https://line.me/R/ti/p/" + quote(line_id, safe="@")
    return "https://line.me/R/ti/p/~" + quote(line_id, safe="")


def map_url(latitude, longitude):
    """An OpenStreetMap page centred on the point, with a marker."""
    lat, lon = f"{latitude:.5f}", f"{longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=15/{lat}/{lon}"


def public_links(group):
    """The links the group chose to show, in the order a buyer reaches for them."""
    links = []
    if group.show_line_id and group.line_id.strip():
        links.append(ContactLink("line", group.line_id.strip(), line_url(group.line_id)))
    if group.show_phone and re.search(r"[0-9]{6}", re.sub(r"[^0-9]", "", group.phone)):
        links.append(ContactLink("phone", group.phone.strip(), _tel(group.phone)))
    if group.show_email and group.email:
        links.append(ContactLink("email", group.email, "mailto:" + quote(group.email, safe="@")))
    if group.show_map and group.latitude is not None and group.longitude is not None:
        links.append(
            ContactLink(
                "map",
                f"{group.latitude:.5f}, {group.longitude:.5f}",
                map_url(group.latitude, group.longitude),
            )
        )
    return links
