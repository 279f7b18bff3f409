"""The signed session cookie, its signing serializer built once per key, not twice a request.

Flask's `SecureCookieSessionInterface` builds a new `URLSafeTimedSerializer`
in `open_session` and again in `save_session`, and building one serializes a
probe value to learn whether the serializer writes text: on a cached page that
was a noticeable share of the request. The cookie itself is unchanged: the
same salt, key derivation, digest and JSON tags, signed with the current
`SECRET_KEY` and verified against it and `SECRET_KEY_FALLBACKS`. The serializer
is kept per (key, fallbacks), so a changed key is used at once; it holds no
per-request state, so workers' threads can share it.
"""

import threading

from flask.sessions import SecureCookieSessionInterface


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie session, reusing its serializer while the keys stay the same."""

    def __init__(self):
        self._serializers = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            with self._lock:
                if len(self._serializers) >= 8:  # keys rotated: forget the old ones
                    self._serializers.clear()
                self._serializers[keys] = serializer
        return serializer
