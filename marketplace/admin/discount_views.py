"""Market-wide discount codes (every group's lines), made by admins: the office's pages, scoped."""

from ..office import discount_views as pages
from .views import blueprint


def _scope():
    return pages.Scope(group=None, prefix="admin", can_edit=True)


@blueprint.get("/discounts", endpoint="discount_list")
def discount_list():
    """The market's discount codes."""
    return pages.list_page(_scope())


@blueprint.route("/discounts/new", methods=["GET", "POST"], endpoint="discount_new")
def discount_new():
    """Create a market-wide code."""
    return pages.new_page(_scope())


@blueprint.route("/discounts/batch", methods=["GET", "POST"], endpoint="discount_batch")
def discount_batch():
    """Make market-wide single-use codes."""
    return pages.batch_page(_scope())


@blueprint.get("/discounts/<int:code_id>", endpoint="discount_detail")
def discount_detail(code_id):
    """One market code and what it did."""
    return pages.detail_page(_scope(), code_id)


@blueprint.post("/discounts/<int:code_id>/status", endpoint="discount_status")
def discount_status(code_id):
    """Pause, resume or end a market code."""
    return pages.status_change(_scope(), code_id)


@blueprint.get("/discounts/batches/<batch>", endpoint="discount_batch_view")
def discount_batch_view(batch):
    """One batch of market codes."""
    return pages.batch_view(_scope(), batch)


@blueprint.get("/discounts/batches/<batch>/codes.<kind>", endpoint="discount_batch_download")
def discount_batch_download(batch, kind):
    """Download a batch of market codes (CSV or QR sheet)."""
    return pages.batch_download(_scope(), batch, kind)
