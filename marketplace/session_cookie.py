"""The signed session cookie and CSRF token, their serializers built once per key, not per request.

Flask's `SecureCookieSessionInterface` builds a new `URLSafeTimedSerializer`
in `open_session` and again in `save_session`, and building one serializes a
probe value to learn whether the serializer writes text: on a cached page that
was a noticeable share of the request. Flask-WTF's `generate_csrf` builds one
for every token too. The cookie itself is unchanged: the same salt, key
derivation, digest and JSON tags, signed with the current `SECRET_KEY` and
verified against it and `SECRET_KEY_FALLBACKS`. The serializer is kept per
(key, fallbacks), so a changed key is used at once; it holds no per-request
state, so workers' threads can share it.

Two more things the storefront paid on every new visitor (each response to
one carries a new session and CSRF token): the signing key was derived from
the secret again for every signature (an HMAC or a hash each time), and every
payload went through zlib, kept only if it came out shorter, which a token or
a small session never does. `CompactSerializer` keeps each derived key and
does not try to compress payloads under 100 bytes. What it writes is what
itsdangerous reads (an uncompressed payload is the format's plain case), and
it reads everything itsdangerous writes.
"""

import hashlib
import os
import threading
import zlib

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Serializer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes

COMPRESS_FROM = 100  # bytes of JSON; below it zlib's 11 bytes of framing never pay off
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's


class KeyKeepingSigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each signing key once per process."""

    _derived = {}
    _lock = threading.Lock()

    def derive_key(self, secret_key=None):
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        name = (secret, self.salt, self.key_derivation, self.digest_method)
        derived = self._derived.get(name)
        if derived is None:
            derived = super().derive_key(secret_key)
            with self._lock:
                if len(self._derived) >= 64:  # keys rotated many times: start again
                    self._derived.clear()
                self._derived[name] = derived
        return derived


class CompactSerializer(URLSafeTimedSerializer):
    """`URLSafeTimedSerializer` that keeps derived keys and leaves small payloads uncompressed."""

    default_signer = KeyKeepingSigner

    def dump_payload(self, obj):
        json = Serializer.dump_payload(self, obj)
        if len(json) >= COMPRESS_FROM:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)


_csrf_serializers = {}


def generate_csrf():
    """Flask-WTF's `generate_csrf()` (same session value, salt and token), its serializer kept.

    Like Flask-WTF's, the token is made once per request and kept in `g`, where
    Flask-WTF's own function finds it; `validate_csrf` checks it as before.
    """
    config = current_app.config
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field_name)
    if token is not None:
        return token
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    serializer = _csrf_serializers.get(secret_key)
    if serializer is None:
        serializer = CompactSerializer(secret_key, salt=CSRF_SALT)
        if len(_csrf_serializers) >= 8:
            _csrf_serializers.clear()
        _csrf_serializers[secret_key] = serializer
    raw = session.get(field_name)
    if not isinstance(raw, str):
        raw = session[field_name] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324  (as Flask-WTF)
    token = serializer.dumps(raw)
    setattr(g, field_name, token)
    return token


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
            # As Flask builds it (SecureCookieSessionInterface.get_signing_serializer).
            serializer = CompactSerializer(
                [*keys[1], keys[0]],  # itsdangerous signs with the last, the current key
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            with self._lock:
                if len(self._serializers) >= 8:  # keys rotated: forget the old ones
                    self._serializers.clear()
                self._serializers[keys] = serializer
        return serializer
