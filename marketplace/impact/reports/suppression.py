"""Small-cell suppression: counts of 1 to 4 households and what would give them away."""

from __future__ import annotations

SUPPRESS_BELOW = 5


class Suppressed:
    """A small cell: fewer than SUPPRESS_BELOW households, shown as "<5"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self):
        return f"<{SUPPRESS_BELOW}"

    def __repr__(self):
        return "SUPPRESSED"


SUPPRESSED = Suppressed()


def is_suppressed(value):
    """True for a suppressed cell."""
    return value is SUPPRESSED


def is_small(count):
    """True for a count of households from 1 to SUPPRESS_BELOW - 1 (zero is not small)."""
    return 0 < count < SUPPRESS_BELOW


def suppressed_cells(cells, lines=(), forced=()):
    """The keys of `cells` ({key: household count}) to hide, primary and complementary.

    Primary: counts from 1 to SUPPRESS_BELOW - 1, and the keys in `forced` (hidden
    for a reason the count does not show). Complementary: each of `lines`
    is a list of keys whose values add up to a total that is shown (the total
    may be one of the keys); a line with exactly one hidden key gets a second,
    its smallest visible non-zero cell, until no line has a single one.
    """
    hidden = {key for key, value in cells.items() if is_small(value)} | set(forced)
    changed = bool(hidden)
    while changed:
        changed = False
        for line in lines:
            if sum(1 for key in line if key in hidden) != 1:
                continue
            visible = [key for key in line if key not in hidden]
            if not visible:
                continue
            pick = min(visible, key=lambda key: (cells[key] == 0, cells[key]))
            hidden.add(pick)
            changed = True
    return hidden


def share_of(part, whole):
    """part / whole as a fraction; None when whole is missing or not positive, or when part
    is SUPPRESSED (a share would give the hidden amount away)."""
    if is_suppressed(part) or not whole or whole <= 0:
        return None
    return part / whole
