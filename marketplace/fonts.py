"""Thai fonts for everything drawn on the server (share cards, label PDFs).

The fonts come from a PyPI package (fontpkg-sarabun: Sarabun, SIL Open Font
Licence), so no system package is needed for Thai. Sarabun carries Latin
glyphs too, so one family serves both languages.
"""

from functools import cache
from pathlib import Path

FAMILY = "Sarabun"
WEIGHTS = {"regular": "Regular", "medium": "Medium", "semibold": "SemiBold", "bold": "Bold"}


class FontMissing(RuntimeError):
    """The Thai font package is not installed."""


@cache
def font_path(weight: str = "regular") -> Path:
    """The TTF file of Sarabun in the given weight (regular, medium, semibold, bold)."""
    try:
        import fontpkg_sarabun
    except ImportError as error:  # pragma: no cover - the package is a dependency
        raise FontMissing(
            "The Thai font package is missing: install it with `pip install fontpkg-sarabun`."
        ) from error
    path = fontpkg_sarabun.ROOT / "files" / f"{FAMILY}-{WEIGHTS[weight]}.ttf"
    if not path.is_file():  # pragma: no cover - a broken install
        raise FontMissing(f"{path} is missing: reinstall fontpkg-sarabun.")
    return path
