"""Background jobs: after commit only, on RQ with retries when Redis is set, in-process without."""

import logging
import socket

import pytest

from marketplace import jobs
from marketplace.extensions import db

calls = []


def _record(*args):
    calls.append(args)
    return len(calls)


def _fail_until_allowed(*args):
    calls.append(("tried", *args))
    if not _fail_until_allowed.allowed:
        raise RuntimeError("the SMTP server said no")
    return "done"


_fail_until_allowed.allowed = False


@pytest.fixture(autouse=True)
def test_tasks(monkeypatch):
    """Two tasks for these tests only; the call log emptied."""
    calls.clear()
    _fail_until_allowed.allowed = False
    monkeypatch.setitem(jobs.TASKS, "record", _record)
    monkeypatch.setitem(jobs.TASKS, "flaky", _fail_until_allowed)
    yield
    calls.clear()


def test_without_a_queue_a_task_runs_after_commit_and_never_on_rollback(app):
    jobs.run_after_commit("record", "rolled back")
    db.session.rollback()
    assert calls == []
    jobs.run_after_commit("record", "kept")
    assert calls == []  # nothing before the commit
    db.session.commit()
    assert calls == [("kept",)]


def test_without_a_queue_a_task_asked_for_in_a_request_runs_after_the_response(app):
    with app.test_request_context("/"):
        jobs.run_after_commit("record", "from a request")
        db.session.commit()
        assert calls == []  # not while the request is being answered
        response = app.process_response(app.make_response("ok"))
        assert calls == []
        response.close()  # the response has gone out
    assert calls == [("from a request",)]


def test_unknown_tasks_are_refused():
    with pytest.raises(KeyError):
        jobs.run_after_commit("no such task")


def test_with_redis_a_task_waits_on_the_queue_for_a_worker(app, redis_queue):
    jobs.run_after_commit("record", 7)
    db.session.commit()
    assert calls == []
    assert redis_queue.count == 1
    jobs.run_worker(app, burst=True)
    assert calls == [(7,)]
    assert redis_queue.count == 0


def test_a_failing_job_is_retried_then_listed_for_admins_and_can_run_again(
    app, redis_queue, monkeypatch
):
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0,))  # one retry, at once
    jobs.enqueue("flaky", "mail 12")
    jobs.run_worker(app, burst=True)
    assert calls == [("tried", "mail 12"), ("tried", "mail 12")]
    (failed,) = jobs.failed_jobs()
    assert failed["task"] == "flaky"
    assert failed["args"] == ("mail 12",)
    assert "the SMTP server said no" in failed["error"]
    _fail_until_allowed.allowed = True
    assert jobs.retry_failed(failed["id"])
    assert not jobs.retry_failed("no-such-job")
    jobs.run_worker(app, burst=True)
    assert calls[-1] == ("tried", "mail 12")
    assert jobs.failed_jobs() == []


def test_redis_down_runs_the_task_here_and_says_so(app, monkeypatch, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{closed}/0")
    monkeypatch.setitem(app.extensions, "jobs", {})
    with caplog.at_level(logging.WARNING, logger="marketplace.jobs"):
        jobs.run_after_commit("record", "still done")
        db.session.commit()
    assert calls == [("still done",)]
    assert "Redis did not answer" in caplog.text


def test_a_task_failing_in_process_is_logged_not_raised(app, caplog):
    with caplog.at_level(logging.ERROR, logger="marketplace.jobs"):
        jobs.run_after_commit("flaky", 1)
        db.session.commit()
    assert calls == [("tried", 1)]
    assert "Task flaky failed" in caplog.text


def test_the_expiry_sweep_is_a_periodic_job(runner):
    assert jobs.PERIODIC["expire_orders"] <= 600
    result = runner.invoke(args=["jobs", "run", "expire_orders"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("expire_orders: 0")
    unknown = runner.invoke(args=["jobs", "run", "record"])
    assert unknown.exit_code != 0 and "no periodic job" in unknown.output


def test_worker_and_scheduler_need_redis(runner):
    for command in ("worker", "scheduler"):
        result = runner.invoke(args=["jobs", command])
        assert result.exit_code != 0
        assert "REDIS_URL" in result.output


def test_admins_read_failed_jobs_and_run_them_again(
    app, client, auth, make_user, redis_queue, monkeypatch
):
    from tests.conftest import csrf_token

    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0,))
    jobs.enqueue("flaky", "mail 99")
    jobs.run_worker(app, burst=True)
    make_user("admin@example.com", admin=True, locale="en")
    db.session.commit()
    auth.login("admin@example.com")
    page = client.get("/admin/jobs").get_data(as_text=True)
    # A task with no label shows its name.
    assert "flaky" in page and "mail 99" in page and "the SMTP server said no" in page
    (failed,) = jobs.failed_jobs()
    _fail_until_allowed.allowed = True
    token = csrf_token(client, "/admin/jobs")
    response = client.post(f"/admin/jobs/{failed['id']}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    jobs.run_worker(app, burst=True)
    assert jobs.failed_jobs() == []
    again = client.post(f"/admin/jobs/{failed['id']}/retry", data={"csrf_token": token})
    assert again.status_code == 303
    assert "no longer among the failed" in client.get("/admin/jobs").get_data(as_text=True)
    assert client.post(f"/admin/jobs/{failed['id']}/retry").status_code == 400  # no CSRF


def test_without_a_queue_the_jobs_page_says_where_jobs_run(client, auth, make_user, db):
    make_user("admin@example.com", admin=True, locale="en")
    db.session.commit()
    auth.login("admin@example.com")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "No job queue is set up" in page
    assert "Close unpaid orders whose hold ran out" in page


def test_an_export_job_gets_its_own_time_limit_and_others_rqs(app, redis_queue):
    # RQ stops a job after 180 s unless told; every province's export takes minutes.
    app.config["EXPORT_JOB_TIMEOUT"] = 1234
    try:
        export = jobs.try_enqueue("area_export", 1)
        other = jobs.try_enqueue("record", 1)
    finally:
        app.config["EXPORT_JOB_TIMEOUT"] = 3600
    assert export.timeout == 1234
    assert other.timeout == redis_queue.DEFAULT_TIMEOUT == 180
    for job in (export, other):
        job.delete()


def test_old_export_files_are_swept_periodically():
    assert "expire_exports" in jobs.TASKS and jobs.PERIODIC["expire_exports"] == 3600
