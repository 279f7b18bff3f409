"""Office pages for share rules, other value-chain income and household balances."""

from .blueprint import blueprint  # noqa: F401
