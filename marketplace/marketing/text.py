"""Thai-aware text on images: shaped by Raqm, wrapped at word boundaries, fitted to a box.

Pillow's basic layout places Thai tone marks and sara am wrongly (a tone mark
over a vowel sign collides with it), so everything here uses the Raqm layout
engine and refuses to run without it. Thai has no spaces between words, so
lines are broken between PyThaiNLP's newmm words, never inside one: a line
that cannot hold a word is made smaller, or the text ends at a word with "…".
"""

from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont, features
from pythainlp.tokenize import word_tokenize

from ..fonts import font_path

ELLIPSIS = "…"
# Tokens that must stay on the line of the word before them (closing marks,
# the repetition mark ๆ) or of the word after them (opening marks).
_CLINGS_LEFT = set(")]}»”’,.:;!?%ๆฯ" + ELLIPSIS)
_CLINGS_RIGHT = set("([{«“‘฿")


class LayoutUnavailable(RuntimeError):
    """Pillow cannot shape Thai here (no Raqm layout engine)."""


def require_raqm():
    """Raise LayoutUnavailable with what to install when Pillow lacks the Raqm layout engine."""
    if not features.check("raqm"):
        raise LayoutUnavailable(
            "Pillow has no Raqm layout engine, without which Thai tone marks and sara am "
            "are drawn in the wrong place. Install libraqm and FriBiDi (Debian: "
            "`apt-get install libraqm0 libfribidi0`), then check with "
            "`python -c \"from PIL import features; print(features.check('raqm'))\"`."
        )


@lru_cache(maxsize=64)
def font(weight, size):
    """Sarabun in `weight` at `size` pixels, laid out by Raqm."""
    require_raqm()
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=ImageFont.Layout.RAQM)


def line_height(face):
    """The distance between two baselines for `face` (room for stacked Thai marks)."""
    ascent, descent = face.getmetrics()
    return ascent + descent


def text_width(face, text):
    """The shaped width of `text` in pixels."""
    return face.getlength(text) if text else 0


@lru_cache(maxsize=512)
def words(text):
    """`text` cut into unbreakable pieces: newmm words with their spaces and clinging marks."""
    tokens = [t for t in word_tokenize(text, engine="newmm-safe", keep_whitespace=True) if t]
    pieces = []
    glue_next = False
    for token in tokens:
        if pieces and (glue_next or (token[0] in _CLINGS_LEFT and not token.isspace())):
            pieces[-1] += token
        else:
            pieces.append(token)
        glue_next = token[-1] in _CLINGS_RIGHT and not token.isspace()
    # A space belongs to the end of the piece before it (dropped when a line breaks there).
    merged = []
    for piece in pieces:
        if piece.isspace() and merged:
            merged[-1] += piece
        else:
            merged.append(piece)
    return tuple(merged)


def wrap(text, face, width):
    """Lines of `text` no wider than `width`, broken only between words.

    A single word wider than `width` stays whole on its own line (the caller
    shrinks the font or ellipsizes).
    """
    lines = []
    current = ""
    for piece in words(text):
        candidate = current + piece
        if not current or text_width(face, candidate.rstrip()) <= width:
            current = candidate
            continue
        lines.append(current.rstrip())
        current = piece.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    return lines


def ellipsize(line, face, width):
    """`line` shortened at a word boundary, ending with "…", to fit `width`."""
    pieces = list(words(line))
    while pieces:
        candidate = "".join(pieces).rstrip() + ELLIPSIS
        if text_width(face, candidate) <= width:
            return candidate
        pieces.pop()
    return ELLIPSIS


@dataclass(frozen=True)
class Paragraph:
    """Text fitted to a width: its font, its lines and their height."""

    face: object
    lines: tuple
    leading: int

    @property
    def height(self):
        """Total height of the lines."""
        return self.leading * len(self.lines)


def fit(text, weight, size, width, max_lines, min_size=None):
    """`text` at the largest size from `size` down to `min_size` that fits `max_lines` lines.

    When even the smallest size needs more lines, the last allowed line ends at
    a word with "…". Lines are never cut inside a word.
    """
    min_size = min_size or max(10, round(size * 0.75))
    step = max(1, round(size * 0.06))
    current = size
    while True:
        face = font(weight, current)
        lines = wrap(text, face, width)
        fits = len(lines) <= max_lines and all(text_width(face, ln) <= width for ln in lines)
        if fits or current <= min_size:
            break
        current = max(min_size, current - step)
    if not fits:
        lines = lines[:max_lines]
        overflowing = len(wrap(text, face, width)) > max_lines
        if overflowing or text_width(face, lines[-1]) > width:
            lines[-1] = ellipsize(lines[-1], face, width)
        lines = [
            line if text_width(face, line) <= width else ellipsize(line, face, width)
            for line in lines
        ]
    return Paragraph(face=face, lines=tuple(lines), leading=line_height(face))
