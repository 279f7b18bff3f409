"""Admin Outbox: every mail the site wrote, its links, its delivery, and sending it again.

With no mail server set, this is where invitations and reset links are read
and passed on by hand; with one, it is where failures show (attempts, the
last error, the next try). Admins only, as all of /admin.
"""

import re

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from markupsafe import Markup, escape

from ..accounts import service
from ..extensions import db
from ..mail import outbox
from ..models.mail import MailStatus
from .forms import ConfirmForm
from .views import PAGE_SIZE, _page, blueprint

STATUS_LABELS = {
    MailStatus.HELD: lazy_pgettext("mail status", "Held: no mail server"),
    MailStatus.PENDING: lazy_pgettext("mail status", "Waiting to send"),
    MailStatus.SENDING: lazy_pgettext("mail status", "Sending"),
    MailStatus.SENT: lazy_pgettext("mail status", "Sent"),
    MailStatus.FAILED: lazy_pgettext("mail status", "Failed"),
}
KIND_LABELS = {
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "order_placed": _l("Order placed"),
    "order_paid": _l("Order paid"),
    "fulfilment_to_pack": _l("Order to pack"),
    "order_closed": _l("Order closed"),
    "fulfilment_shipped": _l("Order shipped"),
    "slip_to_check": _l("Slip to check"),
    "slip_rejected": _l("Slip not accepted"),
    "refund_made": _l("Refund"),
    "late_payment_refunded": _l("Late payment given back"),
    "surplus_given_back": _l("Payment given back"),
}
_URL = re.compile(r"https?://[^\s<>\"']+")


@blueprint.app_template_filter("mail_status")
def mail_status(status):
    """The translated name of a mail's status."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


@blueprint.app_template_filter("mail_kind")
def mail_kind(kind):
    """The translated name of what caused a mail."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else (kind or _("Mail"))


@blueprint.app_template_filter("mail_body")
def mail_body(body):
    """A mail's text, escaped, with its web addresses made into links."""
    parts, last = [], 0
    text = str(body)
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        end = match.start() + len(url)
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(url))
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _private(response):
    # The page carries live sign-in and reset links: no cache may keep it.
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/outbox")
def outbox_list():
    """Mails newest first, by status and recipient."""
    status = request.args.get("status", "", type=str)
    if status not in MailStatus.ALL:
        status = ""
    search = service.clean_text(request.args.get("q", "", type=str), 100)
    page = db.paginate(
        outbox.outbox_query(status, search), page=_page(), per_page=PAGE_SIZE, error_out=False
    )
    args = {key: value for key, value in {"status": status, "q": search}.items() if value}
    return _private(
        render_template(
            "admin/outbox.html",
            page=page,
            status=status,
            search=search,
            args=args,
            counts=outbox.status_counts(),
            statuses=MailStatus.ALL,
            mail_server=bool(current_app.config.get("MAIL_SERVER")),
        )
    )


@blueprint.get("/outbox/<int:mail_id>")
def outbox_mail(mail_id):
    """One mail: its text with working links, and how its delivery went."""
    try:
        mail = outbox.get_mail(mail_id)
    except LookupError:
        abort(404)
    return _private(
        render_template(
            "admin/outbox_mail.html",
            mail=mail,
            can_send=outbox.can_send_again(mail),
            mail_server=bool(current_app.config.get("MAIL_SERVER")),
            confirm_form=ConfirmForm(formdata=None),
        )
    )


@blueprint.post("/outbox/<int:mail_id>/send")
def outbox_send(mail_id):
    """Send a failed, held or waiting mail now (a fresh run of attempts)."""
    try:
        outbox.get_mail(mail_id)
    except LookupError:
        abort(404)
    back = redirect(url_for("admin.outbox_mail", mail_id=mail_id), code=303)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return back
    try:
        outbox.send_again(mail_id, actor=current_user)
    except outbox.OutboxError as error:
        db.session.rollback()
        flash(error.message, "error")
        return back
    db.session.commit()
    flash(_("The mail is being sent again."), "success")
    return back
