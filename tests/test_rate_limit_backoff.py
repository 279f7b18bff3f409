"""Redis down under the rate limits: per-worker counting, a short capped wait, logged once."""

import logging
import socket

from flask_limiter import Limiter
from limits.storage import MemoryStorage, storage_from_string

from marketplace.extensions import limiter
from marketplace.limiter import SharedStoreLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_flask_limiter_still_has_the_method_we_replace():
    # The wait is Flask-Limiter's private __should_check_backend: an upgrade that
    # renames it would silently bring back its own schedule.
    assert callable(getattr(Limiter, "_Limiter__should_check_backend", None))
    assert isinstance(limiter, SharedStoreLimiter)


def test_the_wait_starts_short_doubles_and_is_capped(app, monkeypatch, caplog):
    clock = Clock()
    monkeypatch.setattr(limiter, "clock", clock)
    start = clock.now
    with caplog.at_level(logging.WARNING, logger="marketplace.limiter"):
        limiter._storage_dead = True
        limiter._storage_dead = True  # the same outage: not logged again
        checks = []
        while clock.now < start + 60:
            if limiter._Limiter__should_check_backend():
                checks.append(clock.now - start)
            clock.now += 0.25
        assert checks == [1, 3, 7, 15, 25, 35, 45, 55]  # waits 1, 2, 4, 8, then 10, 10 …
        limiter._storage_dead = False
    assert caplog.text.count("Rate-limit store did not answer") == 1
    assert "trying it again in 1 s, then at most every 10 s" in caplog.text
    assert caplog.text.count("Rate-limit store answers again after 60.0 s") == 1
    # A new outage starts from the short wait again.
    limiter._storage_dead = True
    assert not limiter._Limiter__should_check_backend()
    clock.now += 1
    assert limiter._Limiter__should_check_backend()
    limiter._storage_dead = False


def test_signing_in_with_redis_down_counts_per_worker_and_finds_redis_again(
    app, client, auth, make_user, db, monkeypatch, caplog
):
    make_user("someone@example.com")
    db.session.commit()
    clock = Clock()
    monkeypatch.setattr(limiter, "clock", clock)
    down = storage_from_string(
        f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=0.5, socket_timeout=0.5
    )
    checks = []
    real_check = down.check
    monkeypatch.setattr(down, "check", lambda: checks.append(clock.now) or real_check())
    monkeypatch.setattr(limiter, "_storage", down)
    monkeypatch.setattr(limiter, "_limiter", type(limiter._limiter)(down))
    with caplog.at_level(logging.WARNING, logger="marketplace.limiter"):
        statuses = []
        for _ in range(6):
            statuses.append(auth.login("someone@example.com", "wrong password!").status_code)
            clock.now += 0.1  # all within the first second: the store is not tried again
        assert statuses == [200] * 5 + [429]  # no 500, and still limited, in this worker
        assert checks == []
        clock.now += 1
        assert auth.login("someone@example.com", "wrong password!").status_code == 429
        assert len(checks) == 1  # tried once, still down: the next try in 2 s
        # Redis is back (a store that answers): the next try finds it.
        back = MemoryStorage()
        monkeypatch.setattr(limiter, "_storage", back)
        monkeypatch.setattr(limiter, "_limiter", type(limiter._limiter)(back))
        clock.now += 2
        assert auth.login("someone@example.com", "wrong password!").status_code == 200
        assert not limiter._storage_dead
    assert caplog.text.count("Rate-limit store did not answer") == 1
    assert caplog.text.count("Rate-limit store answers again") == 1
