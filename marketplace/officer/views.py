"""Officer views: the claim review queue, claim evidence, and households of their area.

Every claim and household is looked up through the domain with the officer's
areas (`catalog.claim_review`, `impact.households`): anything outside them is 404.
"""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.audit import audit_personal_data_view
from ..catalog import claim_review
from ..catalog.claims import claim_subject
from ..extensions import db
from ..impact import households as household_domain
from ..media import send_evidence
from ..models import ClaimStatus
from .blueprint import blueprint
from .forms import ReasonForm, VerifyForm

PAGE_SIZE = 50


def _claim_or_404(claim_id):
    try:
        return claim_review.get_claim(current_user, claim_id)
    except claim_review.ClaimNotFound:
        abort(404)


@blueprint.get("/")
def queue():
    """Claims awaiting review in the officer's area, and the ones decided lately."""
    return render_template(
        "officer/queue.html",
        pending=claim_review.pending_claims(current_user),
        decided=claim_review.recently_decided(current_user),
        subject_group=claim_review.subject_group,
        claim_subject=claim_subject,
        own_group_ids={m.group_id for m in current_user.memberships},
    )


def _render_claim(claim, verify_form=None, reject_form=None, revoke_form=None, status=200):
    own_group = claim_review.is_own_group_claim(current_user, claim)
    return (
        render_template(
            "officer/claim.html",
            claim=claim,
            group=claim_review.subject_group(claim),
            subject=claim_subject(claim),
            own_group=own_group,
            can_verify=claim.status == ClaimStatus.PENDING and not own_group,
            can_revoke=claim.status == ClaimStatus.VERIFIED and not own_group,
            verify_form=verify_form
            or VerifyForm(
                formdata=None,
                data={
                    "valid_from": claim.valid_from,
                    "valid_until": claim.valid_until,
                    "certificate_no": claim.certificate_no,
                },
            ),
            reject_form=reject_form or ReasonForm(formdata=None, prefix="reject"),
            revoke_form=revoke_form or ReasonForm(formdata=None, prefix="revoke"),
        ),
        status,
    )


@blueprint.get("/claims/<int:claim_id>")
def claim(claim_id):
    """One claim with its evidence and the decisions it allows."""
    return _render_claim(_claim_or_404(claim_id))


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        # A refused transition: the form posted from may no longer be on the page.
        flash(error.message, "error")


def _decide(claim_id, form, form_name, operation, done_message):
    claim = _claim_or_404(claim_id)
    if not form.validate_on_submit():
        return _render_claim(claim, **{form_name: form}, status=400)
    try:
        operation(claim)
    except claim_review.ClaimDecisionError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_claim(_claim_or_404(claim_id), **{form_name: form}, status=400)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("officer.claim", claim_id=claim_id), code=303)


@blueprint.post("/claims/<int:claim_id>/verify")
def verify(claim_id):
    """Verify a pending claim for a period."""
    form = VerifyForm()
    return _decide(
        claim_id,
        form,
        "verify_form",
        lambda claim: claim_review.verify(
            current_user,
            claim.id,
            form.valid_from.data,
            form.valid_until.data,
            form.certificate_no.data or "",
            form.reason.data or "",
        ),
        _("Claim verified."),
    )


@blueprint.post("/claims/<int:claim_id>/reject")
def reject(claim_id):
    """Reject a pending claim, with the reason."""
    form = ReasonForm(prefix="reject")
    return _decide(
        claim_id,
        form,
        "reject_form",
        lambda claim: claim_review.reject(current_user, claim.id, form.reason.data),
        _("Claim rejected."),
    )


@blueprint.post("/claims/<int:claim_id>/revoke")
def revoke(claim_id):
    """Revoke a verified claim, with the reason."""
    form = ReasonForm(prefix="revoke")
    return _decide(
        claim_id,
        form,
        "revoke_form",
        lambda claim: claim_review.revoke(current_user, claim.id, form.reason.data),
        _("Claim revoked."),
    )


@blueprint.get("/claims/<int:claim_id>/evidence/<int:evidence_id>")
def evidence(claim_id, evidence_id):
    """An evidence file of a claim in the officer's area."""
    try:
        _claim, item = claim_review.get_evidence(current_user, claim_id, evidence_id)
    except claim_review.ClaimNotFound:
        abort(404)
    return send_evidence(item)


@blueprint.get("/households")
def households():
    """Households in the officer's area: code, village, groups and (audited) names."""
    page_number = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    page = db.paginate(
        household_domain.officer_households_query(current_user),
        page=page_number,
        per_page=PAGE_SIZE,
        error_out=False,
    )
    for household in page.items:
        if household.personal is not None and household.erased_at is None:
            audit_personal_data_view(household, reason="officer.households")
    db.session.commit()
    return render_template(
        "officer/households.html",
        page=page,
        groups=household_domain.groups_by_household(page.items),
        can_see_names=True,
    )
