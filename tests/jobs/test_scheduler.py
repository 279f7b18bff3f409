"""`flask jobs scheduler` as a process: stops cleanly on SIGTERM, rides out Redis being down."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REDIS_JOBS_URL

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120  # seconds for the app to load on a busy machine


def _redis_or_skip():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("no Redis at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _scheduler(tmp_path, redis_url, queue_name):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "FLASK_DEBUG"}
    }
    env.update(
        MARKETPLACE_INSTANCE=str(tmp_path / "instance"),
        REDIS_URL=redis_url,
        JOBS_QUEUE=queue_name,
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "scheduler.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "scheduler"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return process, log


def _wait(condition, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def test_sigterm_stops_the_scheduler_between_ticks_with_status_0(tmp_path):
    _redis_or_skip()
    from redis import Redis
    from rq import Queue

    from marketplace import jobs

    name = f"test-{uuid.uuid4().hex}"
    queue = Queue(name, connection=Redis.from_url(REDIS_JOBS_URL))
    process, log = _scheduler(tmp_path, REDIS_JOBS_URL, name)
    try:
        # The first tick queues every periodic job at once, then the scheduler sleeps.
        _wait(lambda: queue.count >= len(jobs.PERIODIC) or process.poll() is not None, "a tick")
        assert process.poll() is None, log.read_text()
        assert _stop(process) == 0, log.read_text()
        text = log.read_text()
        assert "Scheduler: SIGTERM received, stopped between ticks" in text
        assert "Traceback" not in text
        assert queue.count == len(jobs.PERIODIC)  # each queued once, nothing half-queued
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        queue.empty()
        queue.delete(delete_jobs=True)


def test_with_redis_down_the_scheduler_keeps_running_logs_once_and_stops(tmp_path):
    process, log = _scheduler(
        tmp_path, f"redis://127.0.0.1:{_closed_port()}/0", f"test-{uuid.uuid4().hex}"
    )
    try:
        _wait(lambda: "Redis did not answer" in log.read_text(), "the outage logged")
        time.sleep(0.5)
        assert process.poll() is None, log.read_text()  # still running, trying again
        assert _stop(process) == 0, log.read_text()
        text = log.read_text()
        assert text.count("Scheduler: Redis did not answer; trying again every 5 s") == 1
        assert "Scheduler: SIGTERM received, stopped between ticks" in text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
