"""The app served from a thread by werkzeug, and a tiny HTTP browser for it (cookies, CSRF).

Streamed bodies are sent the way a production server sends them: after the view
has returned and its app context is gone. The test client does not do that, so
downloads are tested here.
"""

import contextlib
import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

from werkzeug.serving import make_server

from . import factories

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextlib.contextmanager
def serve(app):
    """Serve `app` on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Browser:
    """One visitor: cookies kept, redirects followed, bodies read to the end."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        """(status, headers, body bytes); a body cut short raises IncompleteRead."""
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def post(self, path, data):
        """POST a form; (status, headers, body)."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def sign_in(self, email, password=factories.DEFAULT_PASSWORD):
        """Sign in through the real form."""
        _status, _headers, page = self.get("/account/sign-in")
        token = _CSRF.search(page.decode()).group(1)
        status, _headers, _body = self.post(
            "/account/sign-in", {"csrf_token": token, "email": email, "password": password}
        )
        assert status == 200, status
