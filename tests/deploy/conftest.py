"""Tests of several hosts add every process's output to a failed test's report."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    logs = getattr(item, "two_host_logs", None)
    if report.failed and logs is not None:
        report.sections.append(("processes of the two hosts", logs()))
    return report
