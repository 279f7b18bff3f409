"""The outbox with the job queue: a worker sends the mail; with Redis down, the web process does."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from marketplace import jobs
from marketplace.mail import queue_mail
from marketplace.models import OutboxMail
from marketplace.models.mail import MailStatus

from .conftest import free_port


def _status(db, mail_id):
    db.session.rollback()
    return db.session.scalar(select(OutboxMail.status).where(OutboxMail.id == mail_id))


def test_with_a_queue_the_worker_sends_the_mail(app, db, mail_settings, smtp_server, redis_queue):
    smtp_server.start()
    mail_id = queue_mail("buyer@example.com", "Order A1", "Your order\n").id
    db.session.commit()
    assert redis_queue.count == 1  # queued, not sent by the process that committed
    assert _status(db, mail_id) == MailStatus.PENDING
    assert smtp_server.inbox.messages == []
    jobs.run_worker(app, burst=True)
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Order A1"
    assert _status(db, mail_id) == MailStatus.SENT


def test_the_scheduler_sweeps_the_outbox_every_minute():
    assert jobs.PERIODIC["send_due_mail"] == 60
    assert jobs.TASKS["send_due_mail"] is jobs.send_due_mail


def test_redis_down_the_mail_is_still_sent_and_nothing_is_lost(
    app, db, mail_settings, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.extensions, "jobs", {})
    smtp_server.start()
    mail_id = queue_mail("buyer@example.com", "Order B2", "Your order\n").id
    db.session.commit()  # Redis refuses: this process sends it instead
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Order B2"
    assert _status(db, mail_id) == MailStatus.SENT


FRESH_PROCESS = """
import os
from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.mail import queue_mail


class FreshConfig(TestConfig):
    def __init__(self, instance_path):
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(instance_path, "fresh.db")
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        self.REDIS_URL = "redis://127.0.0.1:%(port)d/0"
        self.MAIL_SERVER = "127.0.0.1"
        self.MAIL_PORT = %(port)d
        self.MAIL_USE_TLS = False
        self.MAIL_TIMEOUT = 1


app = create_app(FreshConfig)
with app.app_context():
    db.create_all()
    queue_mail("buyer@example.com", "Order C3", "Your order\\n")
    db.session.commit()
print("committed")
"""


def test_the_first_mail_of_a_new_worker_process_commits(tmp_path):
    """With REDIS_URL set, a web worker's first commit that queues mail succeeds.

    The outbox reaches for the job queue inside the commit; the queue's own commit
    listener must already be in place then (two hosts' gunicorn workers answered 500
    to their first checkout: "deque mutated during iteration"). A new process, since
    this one imported the queue long ago.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env["MARKETPLACE_INSTANCE"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS % {"port": free_port()}],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("committed")
