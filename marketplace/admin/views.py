"""Admin views: thin wrappers that parse a form, call one service function and commit once."""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import areas
from ..accounts import access, groups, service
from ..accounts.errors import AccountError
from ..extensions import db
from ..i18n import BANGKOK, current_language, localized
from ..models.accounts import AuditLog, User
from ..models.catalog import ProducerGroup
from ..models.mail import MailStatus
from ..office.order_forms import RejectSlipForm
from ..orders import fulfilment, slips
from .forms import (
    AuditFilterForm,
    ConfirmForm,
    FlagForm,
    GroupForm,
    InviteForm,
    OfficerAreaForm,
)

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 30


@blueprint.before_request
def require_admin():
    """Only admins in here: anonymous visitors go to sign in, others get 403."""
    access.require_admin()


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _page():
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def _get_or_404(model, ident):
    if not 0 < ident < 2**31:  # beyond any id, and beyond what the database can compare
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@blueprint.app_template_filter("local_time")
def local_time(value):
    """A stored UTC timestamp as Thai time, e.g. 2026-01-05 14:03."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")


# -- dashboard -------------------------------------------------------------------------


@blueprint.get("/")
def dashboard():
    """Counts and the latest audit entries."""

    def count(query):
        return db.session.scalar(query) or 0

    stats = {
        "users": count(select(func.count(User.id))),
        "groups": count(select(func.count(ProducerGroup.id))),
        "officers": count(select(func.count(User.id)).where(User.is_officer.is_(True))),
        "admins": count(select(func.count(User.id)).where(User.is_admin.is_(True))),
        "inactive": count(select(func.count(User.id)).where(User.active.is_(False))),
    }
    recent = db.session.scalars(
        select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(10)
    ).all()
    return render_template("admin/dashboard.html", stats=stats, recent=recent)


# -- users and roles ----------------------------------------------------------------------


@blueprint.get("/users")
def users():
    """All accounts, newest first, searchable by email or name."""
    search = service.clean_text(request.args.get("q", "", type=str), 100)
    page = db.paginate(
        service.users_query(search), page=_page(), per_page=PAGE_SIZE, error_out=False
    )
    return render_template("admin/users.html", page=page, search=search)


def area_label(province_code, district_code=""):
    """ "Chiang Rai" or "Phan, Chiang Rai" in the page's language."""
    language = current_language()
    province = areas.area_name(areas.province(province_code), language) or province_code
    if not district_code:
        return _("%(province)s (whole province)", province=province)
    district = areas.area_name(areas.district(district_code), language) or district_code
    return f"{district}, {province}"


def _render_user(user, area_form=None, status=200):
    return (
        render_template(
            "admin/user.html",
            user=user,
            area_labels=[
                (area, area_label(area.province_code, area.district_code))
                for area in user.officer_areas
            ],
            flag_form=FlagForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
            area_form=area_form or OfficerAreaForm(formdata=None),
            is_self=user.id == current_user.id,
        ),
        status,
    )


@blueprint.get("/users/<int:user_id>")
def user(user_id):
    """One account: roles, memberships, officer areas, and the switches."""
    return _render_user(_get_or_404(User, user_id))


def _flag_view(user_id, operation, on_message, off_message):
    user = _get_or_404(User, user_id)
    form = FlagForm()
    if not form.validate_on_submit():
        abort(400)
    value = form.value.data == "1"
    try:
        operation(current_user, user, value)
    except AccountError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("admin.user", user_id=user.id), code=303)
    db.session.commit()
    flash(on_message if value else off_message, "success")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@blueprint.post("/users/<int:user_id>/admin")
def set_admin(user_id):
    """Grant or revoke admin rights."""
    return _flag_view(
        user_id, service.set_admin, _("Admin rights granted."), _("Admin rights removed.")
    )


@blueprint.post("/users/<int:user_id>/active")
def set_active(user_id):
    """Deactivate or reactivate an account."""
    return _flag_view(
        user_id, service.set_active, _("Account reactivated."), _("Account deactivated.")
    )


@blueprint.post("/users/<int:user_id>/officer")
def set_officer(user_id):
    """Make someone an officer, or stop them being one."""
    return _flag_view(
        user_id, service.set_officer, _("Officer rights granted."), _("Officer rights removed.")
    )


@blueprint.post("/users/<int:user_id>/areas")
def add_officer_area(user_id):
    """Add a province or district to an officer's areas."""
    user = _get_or_404(User, user_id)
    form = OfficerAreaForm()
    if not form.validate_on_submit():
        return _render_user(user, area_form=form, status=400)
    if form.update_areas.data:
        return _render_user(user, area_form=form)
    try:
        service.add_officer_area(
            current_user, user, form.province_code.data, form.district_code.data
        )
    except AccountError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_user(user, area_form=form, status=400)
    own_groups = service.member_groups_in_area(
        user, form.province_code.data, form.district_code.data
    )
    db.session.commit()
    flash(_("Area added."), "success")
    if own_groups:
        flash(
            _(
                "Note: %(name)s belongs to %(groups)s in this area, and will not be able to "
                "decide that group's claims. Another officer of the area must decide them.",
                name=user.display_name,
                groups=", ".join(localized(group, "name") for group in own_groups),
            ),
            "warning",
        )
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@blueprint.post("/users/<int:user_id>/areas/<int:area_id>/delete")
def remove_officer_area(user_id, area_id):
    """Remove one area from an officer."""
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.remove_officer_area(current_user, user, area_id)
    except AccountError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Area removed."), "success")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


# -- producer groups -------------------------------------------------------------------


@blueprint.get("/groups")
def group_list():
    """All producer groups by name."""
    search = service.clean_text(request.args.get("q", "", type=str), 100)
    query = select(ProducerGroup).order_by(ProducerGroup.name_th)
    if search:
        pattern = f"%{search}%"
        query = query.where(
            ProducerGroup.name_th.ilike(pattern)
            | ProducerGroup.name_en.ilike(pattern)
            | ProducerGroup.slug.ilike(pattern)
        )
    page = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/groups.html", page=page, search=search)


def _save_group(form, group=None):
    """Create or update from the form; returns the group, or None with errors on the form."""
    try:
        if group is None:
            return groups.create_group(**form.values())
        return groups.update_group(group, **form.values())
    except AccountError as error:
        db.session.rollback()
        _show_error(form, error)
        return None


@blueprint.route("/groups/new", methods=["GET", "POST"])
def group_new():
    """Create a producer group."""
    form = GroupForm()
    if request.method == "POST" and not form.update_areas.data:
        if form.validate_on_submit():
            group = _save_group(form)
            if group is not None:
                db.session.commit()
                flash(_("Group created. Now invite its leader."), "success")
                return redirect(url_for("admin.group", group_id=group.id), code=303)
        return render_template("admin/group_form.html", form=form, group=None), 400
    return render_template("admin/group_form.html", form=form, group=None)


@blueprint.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
def group_edit(group_id):
    """Edit a producer group."""
    group = _get_or_404(ProducerGroup, group_id)
    form = GroupForm(obj=group if request.method == "GET" else None)
    if request.method == "GET":
        form.moo.data = str(group.moo) if group.moo else ""
    elif not form.update_areas.data:
        if form.validate_on_submit() and _save_group(form, group) is not None:
            db.session.commit()
            flash(_("Group saved."), "success")
            return redirect(url_for("admin.group", group_id=group.id), code=303)
        return render_template("admin/group_form.html", form=form, group=group), 400
    return render_template("admin/group_form.html", form=form, group=group)


def _render_group(group, invite_form=None, status=200):
    return (
        render_template(
            "admin/group.html",
            group=group,
            members=groups.group_members(group),
            invite_form=invite_form or InviteForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@blueprint.get("/groups/<int:group_id>")
def group(group_id):
    """A group's details and members, with the invitation form."""
    return _render_group(_get_or_404(ProducerGroup, group_id))


@blueprint.post("/groups/<int:group_id>/invite")
def invite_member(group_id):
    """Invite someone by email as leader (or staff) of this group."""
    group = _get_or_404(ProducerGroup, group_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_group(group, invite_form=form, status=400)
    try:
        membership, mail = groups.invite_member(
            group, form.email.data, role=form.role.data, name=form.name.data
        )
    except AccountError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_group(group, invite_form=form, status=400)
    email, held, mail_id = membership.user.email, mail.status == MailStatus.HELD, mail.id
    db.session.commit()
    if held:
        flash(
            _(
                "%(email)s was added. No mail server is set, so the invitation waits in "
                "the outbox: open it there and pass its link on.",
                email=email,
            ),
            "warning",
        )
        return redirect(url_for("admin.outbox_mail", mail_id=mail_id), code=303)
    flash(_("Invitation to %(email)s is on its way.", email=email), "success")
    return redirect(url_for("admin.group", group_id=group.id), code=303)


@blueprint.post("/groups/<int:group_id>/members/<int:membership_id>/delete")
def remove_member(group_id, membership_id):
    """Take someone out of the group."""
    group = _get_or_404(ProducerGroup, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        groups.remove_membership(group, membership_id)
    except AccountError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Member removed."), "success")
    return redirect(url_for("admin.group", group_id=group.id), code=303)


# -- the audit log -------------------------------------------------------------------


def _day_start_utc(day):
    return datetime.combine(day, time.min, tzinfo=BANGKOK).astimezone(UTC)


@blueprint.get("/audit")
def audit_log():
    """The audit log, newest first, filtered by action, actor and dates (Thai time)."""
    form = AuditFilterForm(request.args)
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditLog.action == form.action.data)
        actor = service.clean_text(service.normalize_email(form.actor.data))
        if actor:
            query = query.join(AuditLog.actor).where(User.email == actor)
        if form.date_from.data:
            query = query.where(AuditLog.at >= _day_start_utc(form.date_from.data))
        if form.date_to.data:
            end = _day_start_utc(form.date_to.data + timedelta(days=1))
            query = query.where(AuditLog.at < end)
    page = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, args=args)


# -- transfers to the platform's account -------------------------------------------------


def _transfer_back():
    return redirect(url_for("admin.transfers"), code=303)


@blueprint.get("/transfers")
def transfers():
    """Slips of orders from several groups, paid to the platform's account, awaiting a decision."""
    page = fulfilment.platform_transfers_waiting(page=_page(), per_page=PAGE_SIZE)
    return render_template(
        "admin/transfers.html",
        page=page,
        confirm_form=ConfirmForm(formdata=None),
        reject_form=RejectSlipForm(formdata=None),
    )


@blueprint.get("/transfers/<int:payment_id>/slip")
def transfer_slip(payment_id):
    """The slip photo of a transfer to the platform's account."""
    try:
        payment = fulfilment.get_platform_transfer(payment_id)
    except fulfilment.NotFound:
        abort(404)
    return slips.send_slip(payment)


def _decide_transfer(payment_id, accepted):
    try:
        fulfilment.get_platform_transfer(payment_id)
    except fulfilment.NotFound:
        abort(404)
    form = ConfirmForm() if accepted else RejectSlipForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _transfer_back()
    reason = "" if accepted else form.reason.data
    try:
        paid = fulfilment.decide_platform_transfer(
            payment_id, accepted, reason=reason, actor=current_user
        )
    except fulfilment.FulfilmentError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _transfer_back()
    db.session.commit()
    if not accepted:
        flash(_("Slip rejected; the buyer has been told and may send another."), "success")
    elif paid:
        flash(_("Transfer confirmed: the order is paid."), "success")
    else:
        flash(
            _(
                "The payment is recorded, but the order had closed and its products are "
                "no longer in stock: refund the buyer."
            ),
            "warning",
        )
    return _transfer_back()


@blueprint.post("/transfers/<int:payment_id>/confirm")
def transfer_confirm(payment_id):
    """The money arrived in the platform's account: the order is paid."""
    return _decide_transfer(payment_id, True)


@blueprint.post("/transfers/<int:payment_id>/reject")
def transfer_reject(payment_id):
    """The money did not arrive: the buyer is told why and may upload another slip."""
    return _decide_transfer(payment_id, False)


# -- background jobs ---------------------------------------------------------------------


@blueprint.get("/jobs")
def jobs_page():
    """Jobs that failed every try (with REDIS_URL), to read and run again."""
    from .. import jobs

    return render_template(
        "admin/jobs.html",
        has_queue=bool(jobs.redis_connection()),
        failed=jobs.failed_jobs(),
        periodic=jobs.PERIODIC,
        labels=jobs.TASK_LABELS,
        retry_form=ConfirmForm(formdata=None),
    )


@blueprint.post("/jobs/<job_id>/retry")
def job_retry(job_id):
    """Put a failed job back on the queue."""
    from .. import jobs

    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if len(job_id) <= 64 and jobs.retry_failed(job_id):
        flash(_("The job is back on the queue."), "success")
    else:
        flash(_("This job is no longer among the failed ones: nothing to run again."), "warning")
    return redirect(url_for("admin.jobs_page"), code=303)
