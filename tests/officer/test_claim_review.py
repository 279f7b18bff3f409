"""The officers' claim queue: area scoping, allowed decisions, audit rows, evidence, CSRF."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.catalog import claim_review
from marketplace.extensions import db as _db
from marketplace.i18n import bangkok_today
from marketplace.models import AuditLog, Claim, ClaimEvidence, ClaimStatus

from .. import factories


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def setup(db, make):
    """A pending lot claim in Chiang Rai (57, Phan 5705); officers in 57, in 5705, in 58."""
    group = make.group(slug="hom", province_code="57", district_code="5705")
    far_group = make.group(
        slug="far", province_code="58", district_code="5801", subdistrict_code="580101"
    )
    product = make.product(group=group)
    lot = product.variants[0].lots[0]
    pending = make.claim(
        lot, status=ClaimStatus.PENDING, certificate_no="", valid_from=None, valid_until=None
    )
    far = make.claim(far_group, status=ClaimStatus.PENDING)
    officer = factories.make_user("officer@example.com", locale="en", officer_areas=["57"])
    district = factories.make_user(
        "district@example.com", locale="en", officer_areas=[("57", "5705")]
    )
    other_district = factories.make_user(
        "other-district@example.com", locale="en", officer_areas=[("57", "5701")]
    )
    stranger = factories.make_user("stranger@example.com", locale="en", officer_areas=["58"])
    leader = factories.make_user("leader@example.com", locale="en", memberships=[(group, "leader")])
    db.session.commit()
    return dict(
        group=group,
        product=product,
        lot=lot,
        pending=pending,
        far=far,
        officer=officer,
        district=district,
        other_district=other_district,
        stranger=stranger,
        leader=leader,
    )


def token(client, path="/officer/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def decisions():
    return _db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.CLAIM_DECIDED).order_by(AuditLog.id)
    ).all()


def reload(claim):
    _db.session.expire_all()
    return _db.session.get(Claim, claim.id)


def test_queue_is_scoped_to_area(client, auth, setup):
    auth.login("officer@example.com")
    html = client.get("/officer/").get_data(as_text=True)
    assert f'/officer/claims/{setup["pending"].id}"' in html
    assert f'/officer/claims/{setup["far"].id}"' not in html

    auth.login("district@example.com")
    html = client.get("/officer/").get_data(as_text=True)
    assert f'/officer/claims/{setup["pending"].id}"' in html

    for email in ("other-district@example.com", "stranger@example.com"):
        auth.login(email)
        html = client.get("/officer/").get_data(as_text=True)
        assert f'/officer/claims/{setup["pending"].id}"' not in html
        assert client.get(f"/officer/claims/{setup['pending'].id}").status_code == 404
        data = {"csrf_token": token(client), "reject-reason": "no"}
        response = client.post(f"/officer/claims/{setup['pending'].id}/reject", data=data)
        assert response.status_code == 404
    assert reload(setup["pending"]).status == ClaimStatus.PENDING


def test_non_officers_are_refused(client, auth, setup):
    assert client.get("/officer/").status_code in (302, 303)
    auth.login("leader@example.com")
    assert client.get("/officer/").status_code == 403
    assert client.get(f"/officer/claims/{setup['pending'].id}").status_code == 403
    assert client.get("/officer/households").status_code == 403


def test_verify_sets_dates_certificate_verifier_and_audit(client, auth, setup):
    auth.login("officer@example.com")
    url = f"/officer/claims/{setup['pending'].id}"
    data = {
        "csrf_token": token(client, url),
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "certificate_no": "PGS-001",
    }
    assert client.post(url + "/verify", data=data).status_code == 303
    claim = reload(setup["pending"])
    assert claim.status == ClaimStatus.VERIFIED
    assert (claim.valid_from, claim.valid_until) == (date(2026, 1, 1), date(2099, 12, 31))
    assert claim.certificate_no == "PGS-001"
    assert claim.verified_by_id == setup["officer"].id and claim.verified_at is not None
    [row] = decisions()
    assert (row.subject_type, row.subject_id, row.actor_id) == (
        "claim",
        claim.id,
        setup["officer"].id,
    )
    assert json.loads(row.details)["status"] == "verified"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"certificate_no": ""}, "Enter the certificate number."),
        ({"valid_until": "2025-01-01"}, "must not be before"),
        ({"valid_from": "2020-01-01", "valid_until": "2020-12-31"}, "already passed"),
        ({"valid_from": "not a date"}, "date"),
    ],
)
def test_verify_bad_input_changes_nothing(client, auth, setup, changes, message):
    auth.login("officer@example.com")
    url = f"/officer/claims/{setup['pending'].id}"
    data = {
        "csrf_token": token(client, url),
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "certificate_no": "PGS-001",
    }
    data.update(changes)
    response = client.post(url + "/verify", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert reload(setup["pending"]).status == ClaimStatus.PENDING
    assert decisions() == []


def test_reject_needs_a_reason(client, auth, setup):
    auth.login("officer@example.com")
    url = f"/officer/claims/{setup['pending'].id}"
    response = client.post(
        url + "/reject", data={"csrf_token": token(client, url), "reject-reason": "  "}
    )
    assert response.status_code == 400
    assert "Give the reason for this decision." in response.get_data(as_text=True)
    assert reload(setup["pending"]).status == ClaimStatus.PENDING
    data = {"csrf_token": token(client, url), "reject-reason": "Lab report is for another farm."}
    assert client.post(url + "/reject", data=data).status_code == 303
    claim = reload(setup["pending"])
    assert claim.status == ClaimStatus.REJECTED
    assert claim.decision_reason == "Lab report is for another farm."
    assert json.loads(decisions()[0].details)["status"] == "rejected"


def test_revoke_verified_claim_and_refused_transitions(client, auth, setup, make):
    auth.login("officer@example.com")
    verified = make.claim(setup["product"], status=ClaimStatus.VERIFIED)
    _db.session.commit()
    url = f"/officer/claims/{verified.id}"
    # verified → verified / rejected: refused
    data = {
        "csrf_token": token(client, url),
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "certificate_no": "X",
    }
    response = client.post(url + "/verify", data=data)
    assert response.status_code == 400 and "cannot become" in response.get_data(as_text=True)
    data = {"csrf_token": token(client, url), "reject-reason": "no"}
    assert client.post(url + "/reject", data=data).status_code == 400
    # revoke needs a reason
    data = {"csrf_token": token(client, url), "revoke-reason": ""}
    assert client.post(url + "/revoke", data=data).status_code == 400
    assert reload(verified).status == ClaimStatus.VERIFIED
    data = {"csrf_token": token(client, url), "revoke-reason": "Chemicals found at inspection."}
    assert client.post(url + "/revoke", data=data).status_code == 303
    assert reload(verified).status == ClaimStatus.REVOKED
    # revoked → anything: refused
    for action, field in (("revoke", "revoke-reason"), ("reject", "reject-reason")):
        data = {"csrf_token": token(client, url), field: "again"}
        response = client.post(f"{url}/{action}", data=data)
        assert response.status_code == 400
        assert "cannot become" in response.get_data(as_text=True)
    # pending → revoked: refused
    purl = f"/officer/claims/{setup['pending'].id}"
    data = {"csrf_token": token(client, purl), "revoke-reason": "x"}
    assert client.post(purl + "/revoke", data=data).status_code == 400
    assert reload(setup["pending"]).status == ClaimStatus.PENDING
    assert [json.loads(r.details)["status"] for r in decisions()] == ["revoked"]


def test_transition_table_is_explicit():
    assert {
        ClaimStatus.PENDING: {ClaimStatus.VERIFIED, ClaimStatus.REJECTED},
        ClaimStatus.VERIFIED: {ClaimStatus.REVOKED},
    } == claim_review.TRANSITIONS


def test_every_post_needs_csrf(client, auth, setup):
    auth.login("officer@example.com")
    url = f"/officer/claims/{setup['pending'].id}"
    for action, data in (
        (
            "verify",
            {"valid_from": "2026-01-01", "valid_until": "2099-12-31", "certificate_no": "X"},
        ),
        ("reject", {"reject-reason": "x"}),
        ("revoke", {"revoke-reason": "x"}),
    ):
        assert client.post(f"{url}/{action}", data=data).status_code == 400
    assert reload(setup["pending"]).status == ClaimStatus.PENDING
    assert decisions() == []


def test_expired_verified_claim_shows_as_expired(client, auth, setup, make):
    yesterday = bangkok_today() - timedelta(days=1)
    expired = make.claim(
        setup["product"],
        status=ClaimStatus.VERIFIED,
        valid_from=date(2024, 1, 1),
        valid_until=yesterday,
        verified_by_id=setup["officer"].id,
    )
    from datetime import UTC, datetime

    expired.verified_at = datetime(2024, 1, 2, tzinfo=UTC)
    _db.session.commit()
    html = client.get(f"/products/{setup['product'].slug}").get_data(as_text=True)
    assert "Expired" in html
    auth.login("officer@example.com")
    html = client.get("/officer/").get_data(as_text=True)
    decided = html.split("Recently decided", 1)[1]
    assert f'/officer/claims/{expired.id}"' in decided
    assert "status-expired" in decided and "Expired" in decided


# -- evidence --------------------------------------------------------------------------------


@pytest.fixture
def evidence_files(app, setup):
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"]) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    pdf = ClaimEvidence(
        claim=setup["pending"],
        key="abcdef0123456789.pdf",
        original_name="lab.pdf",
        content_type="application/pdf",
        size_bytes=9,
    )
    html = ClaimEvidence(
        claim=setup["pending"],
        key="fedcba9876543210.html",
        original_name="x.html",
        content_type="text/html",
        size_bytes=20,
    )
    far = ClaimEvidence(
        claim=setup["far"],
        key="0000111122223333.pdf",
        original_name="far.pdf",
        content_type="application/pdf",
        size_bytes=9,
    )
    for item, body in ((pdf, b"%PDF-1.4\n"), (html, b"<script>x</script>"), (far, b"%PDF-1.4\n")):
        (folder / item.key).write_bytes(body)
        _db.session.add(item)
    _db.session.commit()
    yield dict(pdf=pdf, html=html, far=far)
    for item in (pdf, html, far):
        (folder / item.key).unlink(missing_ok=True)


def test_evidence_is_listed_and_served_as_attachment(client, auth, setup, evidence_files):
    auth.login("officer@example.com")
    claim_id = setup["pending"].id
    page = client.get(f"/officer/claims/{claim_id}").get_data(as_text=True)
    url = f"/officer/claims/{claim_id}/evidence/{evidence_files['pdf'].id}"
    assert url in page and "lab.pdf" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4\n"
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    response = client.get(f"/officer/claims/{claim_id}/evidence/{evidence_files['html'].id}")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def test_evidence_outside_area_or_claim_is_404(client, auth, setup, evidence_files):
    auth.login("stranger@example.com")
    claim_id = setup["pending"].id
    assert (
        client.get(f"/officer/claims/{claim_id}/evidence/{evidence_files['pdf'].id}").status_code
        == 404
    )
    auth.login("officer@example.com")
    # evidence of another claim through this claim's url
    assert (
        client.get(f"/officer/claims/{claim_id}/evidence/{evidence_files['far'].id}").status_code
        == 404
    )
    assert (
        client.get(
            f"/officer/claims/{setup['far'].id}/evidence/{evidence_files['far'].id}"
        ).status_code
        == 404
    )
    assert client.get(f"/officer/claims/{claim_id}/evidence/99999999999").status_code == 404


# -- an officer never decides their own group's claims ------------------------------------


def test_officer_never_decides_a_claim_of_their_own_group(client, auth, setup, make):
    """A leader who is also an officer of the area sees the claim but cannot decide it."""
    from marketplace.catalog.claim_review import ClaimDecisionError
    from marketplace.models.accounts import OfficerArea

    leader = setup["leader"]
    leader.is_officer = True
    _db.session.add(OfficerArea(user=leader, province_code="57", district_code=""))
    verified = make.claim(setup["product"], status=ClaimStatus.VERIFIED)
    _db.session.commit()
    pending_id, verified_id = setup["pending"].id, verified.id
    for decide in (
        lambda: claim_review.verify(
            leader, pending_id, bangkok_today(), bangkok_today() + timedelta(days=30), "C-1"
        ),
        lambda: claim_review.reject(leader, pending_id, "no"),
        lambda: claim_review.revoke(leader, verified_id, "no"),
    ):
        with pytest.raises(ClaimDecisionError):
            decide()
    _db.session.rollback()
    # Staff are members too.
    staff = factories.make_user(
        "staff@example.com", officer_areas=["57"], memberships=[(setup["group"], "staff")]
    )
    with pytest.raises(ClaimDecisionError):
        claim_review.reject(staff, pending_id, "no")
    _db.session.rollback()

    auth.login("leader@example.com")
    page = client.get(f"/officer/claims/{pending_id}").get_data(as_text=True)
    assert "another officer of the area must decide it" in page
    assert "/verify" not in page and "/reject" not in page
    assert "Your group: another officer decides" in client.get("/officer/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"/officer/claims/{pending_id}/verify",
        data={
            "csrf_token": token,
            "valid_from": bangkok_today().isoformat(),
            "valid_until": (bangkok_today() + timedelta(days=30)).isoformat(),
            "certificate_no": "C-1",
        },
    )
    assert response.status_code == 400
    _db.session.expire_all()
    assert _db.session.get(Claim, pending_id).status == ClaimStatus.PENDING
    assert _db.session.get(Claim, verified_id).status == ClaimStatus.VERIFIED

    # Another officer of the area decides it.
    assert claim_review.reject(setup["officer"], pending_id, "no lab report").status == "rejected"


def test_admin_is_warned_when_giving_an_area_to_a_group_member(client, auth, setup):
    factories.make_user("admin@example.com", admin=True, locale="en")
    _db.session.commit()
    auth.login("admin@example.com")
    leader_id = setup["leader"].id
    page = client.get(f"/admin/users/{leader_id}").get_data(as_text=True)
    assert "cannot verify, reject or revoke the claims of their own groups" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"/admin/users/{leader_id}/areas",
        data={"csrf_token": token, "province_code": "57", "district_code": ""},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "will not be able to decide that group" in html
    # An area without their group: no warning.
    response = client.post(
        f"/admin/users/{leader_id}/areas",
        data={"csrf_token": token, "province_code": "58", "district_code": ""},
        follow_redirects=True,
    )
    assert "will not be able to decide that group" not in response.get_data(as_text=True)
