"""Area exports written by a job: who asked, what, how far it has got, where the file is."""

from sqlalchemy import CheckConstraint, Index

from ..extensions import db
from .accounts import utcnow


class ExportStatus:
    """Where one export stands."""

    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # the file was removed after EXPORT_KEEP_DAYS; it can be made again
    ALL = (QUEUED, RUNNING, READY, FAILED, EXPIRED)


class AreaExport(db.Model):
    """One area export (household rows, CSV or XLSX) asked for by one officer or admin.

    An export without a province is of every province (the full-area workbook, for
    admins). Its file is removed EXPORT_KEEP_DAYS after it was written (`expired`).

    The file lives in the file store under `storage_key` (private: served only
    through the app to the person who asked, or an admin). `token` names it in
    addresses, so export numbers are not guessable.
    """

    __tablename__ = "area_export"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(32), nullable=False, unique=True)
    user_id = db.Column(db.ForeignKey("user.id"), nullable=False)
    province_code = db.Column(db.String(2))  # None: every province (admins only)
    district_code = db.Column(db.String(4))
    subdistrict_code = db.Column(db.String(6))
    date_from = db.Column(db.Date, nullable=False)
    date_to = db.Column(db.Date, nullable=False)
    fmt = db.Column(db.String(4), nullable=False)  # csv | xlsx
    language = db.Column(db.String(5), nullable=False, default="th")
    status = db.Column(db.String(8), nullable=False, default=ExportStatus.QUEUED)
    rows_total = db.Column(db.Integer, nullable=False, default=0)
    rows_done = db.Column(db.Integer, nullable=False, default=0)
    filename = db.Column(db.String(120), nullable=False)
    storage_key = db.Column(db.String(200))
    size_bytes = db.Column(db.BigInteger)
    error = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime(timezone=True))
    finished_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User")

    __table_args__ = (
        CheckConstraint(f"status IN {ExportStatus.ALL!r}", name="status"),
        CheckConstraint("fmt IN ('csv', 'xlsx')", name="fmt"),
        Index("ix_area_export_user_created", "user_id", "created_at"),
    )

    @property
    def all_areas(self):
        """True for the export of every province."""
        return self.province_code is None

    @property
    def codes(self):
        return (self.province_code, self.district_code, self.subdistrict_code)

    @property
    def percent(self):
        """Rows written as a whole percentage of the rows to write."""
        if self.status == ExportStatus.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
