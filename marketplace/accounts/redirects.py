"""Where to send someone back to (after signing in, switching language): only a local path."""

from urllib.parse import urlsplit


def safe_next_url(target, default):
    """`target` if it is a local path, else `default`: never an open redirect.

    Only a relative path starting with a single "/" passes; "//host",
    "/\\host", schemes ("https:", "javascript:") and control characters do not.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
