"""The audit log: one function writes it; rows carry actor, subject, details and address."""

import json

import pytest

from marketplace.accounts.audit import (
    AuditAction,
    audit,
    audit_claim_decision,
    audit_personal_data_view,
)

from .helpers import audit_rows, details


def test_audit_records_actor_subject_details_and_address(app, make_user, make, db):
    admin = make_user(admin=True)
    group = make.group()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        row = audit("group.updated", group, actor=admin, fields=["name_th"])
    assert row.id is not None
    assert (row.actor_id, row.subject_type, row.subject_id) == (
        admin.id,
        "producer_group",
        group.id,
    )
    assert json.loads(row.details) == {"fields": ["name_th"]}
    assert row.remote_addr == "203.0.113.9"
    assert row.at is not None


def test_audit_outside_a_request_has_no_actor_or_address(make_user):
    user = make_user()
    row = audit(AuditAction.ADMIN_GRANTED, user)
    assert (row.actor_id, row.remote_addr) == (None, "")


def test_audit_refuses_secrets_in_details(make_user):
    with pytest.raises(ValueError):
        audit(AuditAction.SIGN_IN_FAILED, password="hunter2")
    with pytest.raises(ValueError):
        audit(AuditAction.PASSWORD_RESET, reset_token="abc")


def test_audit_only_flushes(make_user, db):
    audit(AuditAction.SIGN_UP, make_user())
    db.session.rollback()
    assert audit_rows() == []


def test_hooks_for_personal_data_and_claim_decisions(make, make_user):
    group = make.group()
    household = make.household(group)
    claim = make.claim(group)
    audit_personal_data_view(household, reason="report")
    audit_claim_decision(claim, "verified", reason="lab report checked")
    viewed, decided = audit_rows()
    assert (viewed.action, viewed.subject_type, viewed.subject_id) == (
        AuditAction.HOUSEHOLD_PERSONAL_VIEWED,
        "household",
        household.id,
    )
    assert details(viewed) == {"code": household.code, "reason": "report"}
    assert (decided.action, decided.subject_type) == (AuditAction.CLAIM_DECIDED, "claim")
    assert details(decided)["status"] == "verified"


def test_sign_in_and_out_are_audited_with_the_actor(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com", remember=True)
    auth.logout()
    signed_in, signed_out = audit_rows()
    assert (signed_in.action, signed_in.actor_id, signed_in.subject_id) == (
        AuditAction.SIGN_IN,
        user.id,
        user.id,
    )
    assert details(signed_in) == {"remember": True}
    assert (signed_out.action, signed_out.actor_id) == (AuditAction.SIGN_OUT, user.id)


def test_every_action_is_listed():
    names = AuditAction.all()
    assert AuditAction.SIGN_IN in names
    assert names == sorted(set(names))
