"""One 'host' in its own process: N failed sign-ins for one address; prints the statuses.

Flask-Limiter keeps its storage on the one module-level limiter, so two apps in one
process would share it; separate processes are what separate hosts are.
Usage: python -m tests.deploy.sign_in_host STORAGE_URI KEY_PREFIX EMAIL N
"""

import json
import os
import re
import sys
import tempfile

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db


def main(storage_uri, prefix, email, count):
    """Build the host's app on its own SQLite file and try to sign in `count` times."""

    class HostConfig(TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(instance_path, "host.db")
            self.SQLALCHEMY_ENGINE_OPTIONS = {}
            self.RATELIMIT_STORAGE_URI = storage_uri
            self.RATELIMIT_KEY_PREFIX = prefix

    with tempfile.TemporaryDirectory() as instance:
        os.environ["MARKETPLACE_INSTANCE"] = instance
        app = create_app(HostConfig)
        statuses = []
        with app.app_context():
            db.create_all()
            client = app.test_client()
            client.set_cookie("lang", "en")
            for _ in range(count):
                page = client.get("/account/sign-in").get_data(as_text=True)
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
                response = client.post(
                    "/account/sign-in",
                    data={"csrf_token": token, "email": email, "password": "wrong password!"},
                )
                statuses.append(response.status_code)
            db.session.remove()
            db.engine.dispose()
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
