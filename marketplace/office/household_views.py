"""Back-office views for the group's member households."""

from .blueprint import blueprint  # noqa: F401
