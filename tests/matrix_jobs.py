"""Role × route matrix rows of the admin Jobs page (see tests/matrix_rows.py): admins only."""

from .matrix_rows import ADMIN_ONLY

EXPECT = {
    ("admin.jobs_page", "GET"): ("/admin/jobs", ADMIN_ONLY),
    ("admin.job_retry", "POST"): ("/admin/jobs/{job}/retry", ADMIN_ONLY),
}

OBJECT_IDS = ["job"]


def add_to_world(group, ids):
    """A job id (the suite runs no queue, so retrying it finds nothing and says so)."""
    ids["job"] = f"job-of-{group.slug}"
