"""Claims with evidence: checked by content, private to the group, officers and admins."""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from marketplace.models import Claim, ClaimEvidence

from .pictures import PDF, jpeg_with_gps_and_rotation, picture


def _claim_data(subject="group", **changes):
    data = {
        "subject": subject,
        "kind": "chemical_free",
        "certificate_no": "CF-2568-001",
        "issuer": "Phan District Agriculture Office",
        "valid_from": "2025-01-01",
        "valid_until": "2026-12-31",
        "details_th": "ตรวจสารเคมีแล้ว",
        "details_en": "Lab tested",
        "review": "pending",
    }
    data.update(changes)
    return data


def _post_claim(office, data, files=()):
    data = dict(data)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return office.post(office.url("/claims/new"), data, content_type="multipart/form-data")


def test_leader_makes_a_pending_claim_with_a_pdf(app, office, db):
    office.login("leader")
    response = _post_claim(office, _claim_data(), [("lab report.pdf", PDF)])
    assert response.status_code == 303
    claim = db.session.scalars(select(Claim)).one()
    assert claim.status == "pending" and claim.group_id == office.a.id
    [evidence] = claim.evidence
    assert evidence.content_type == "application/pdf" and evidence.original_name == "lab report.pdf"
    stored = Path(app.config["UPLOAD_FOLDER"]) / "evidence" / evidence.key
    assert stored.read_bytes() == PDF
    html = office.client.get(office.url(f"/claims/{claim.id}")).get_data(as_text=True)
    assert "Awaiting verification" in html and "lab report.pdf" in html


def test_self_declared_claim_about_a_product(office, make, db):
    product = make.product(group=office.a)
    db.session.commit()
    office.login("leader")
    data = _claim_data(f"product:{product.id}", review="self_declared", kind="handmade")
    assert _post_claim(office, data).status_code == 303
    claim = db.session.scalars(select(Claim)).one()
    assert (claim.status, claim.product_id) == ("self_declared", product.id)


def test_claim_about_another_groups_lot_is_refused(office, make, db):
    other_lot = make.product(group=office.b).variants[0].lots[0]
    db.session.commit()
    office.login("leader")
    response = _post_claim(office, _claim_data(f"lot:{other_lot.id}"))
    assert response.status_code == 400
    assert "Choose what the claim is about." in response.get_data(as_text=True)
    assert db.session.scalars(select(Claim)).first() is None


def test_fake_pdf_and_gif_evidence_are_refused(office, db):
    office.login("leader")
    for name, content in (("report.pdf", b"<html>not a pdf</html>"), ("x.gif", picture("GIF"))):
        response = _post_claim(office, _claim_data(), [(name, content)])
        assert response.status_code == 400
        assert "Evidence must be a PDF or a JPEG" in response.get_data(as_text=True)
    assert db.session.scalars(select(Claim)).first() is None


def test_picture_evidence_is_reencoded_without_metadata(app, office, db):
    office.login("leader")
    response = _post_claim(office, _claim_data(), [("scan.jpg", jpeg_with_gps_and_rotation())])
    assert response.status_code == 303
    evidence = db.session.scalars(select(ClaimEvidence)).one()
    stored = Path(app.config["UPLOAD_FOLDER"]) / "evidence" / evidence.key
    raw = stored.read_bytes()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw
    with Image.open(stored) as image:
        assert image.size == (20, 40) and not image.getexif()


def test_dates_must_be_in_order(office, db):
    office.login("leader")
    response = _post_claim(office, _claim_data(valid_from="2026-01-01", valid_until="2025-01-01"))
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.get_data(as_text=True)


def _evidence(office, db):
    office.login("leader")
    assert _post_claim(office, _claim_data(), [("lab.pdf", PDF)]).status_code == 303
    return db.session.scalars(select(ClaimEvidence)).one()


def test_evidence_is_not_public(app, office, db):
    evidence = _evidence(office, db)
    stranger = app.test_client()
    for path in (f"/media/evidence/{evidence.key}", f"/media/products/../evidence/{evidence.key}"):
        assert stranger.get(path).status_code == 404
    response = stranger.get(office.url(f"/evidence/{evidence.id}"))
    assert response.status_code == 302


def test_evidence_reaches_members_and_admins(office, db):
    evidence = _evidence(office, db)
    path = office.url(f"/evidence/{evidence.id}")
    for who, status in (
        ("staff", 200),
        ("leader", 200),
        ("admin", 200),
        ("buyer", 403),
        ("officer", 403),  # officers read evidence through their own queue
        ("far_officer", 403),
        ("other_leader", 403),
    ):
        office.login(who)
        response = office.client.get(path)
        assert response.status_code == status, who
        if status == 200:
            assert response.data == PDF
            assert response.headers["Cache-Control"] == "private, no-store"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Content-Disposition"].startswith("attachment")
    # Through another group's URL the file does not exist.
    office.login("other_leader")
    assert office.client.get(office.url(f"/evidence/{evidence.id}", office.b)).status_code == 404


def test_leader_sees_the_officers_reason(office, make, db):
    claim = make.claim(office.a, status="rejected", decision_reason="Certificate expired in 2567")
    db.session.commit()
    office.login("leader")
    html = office.client.get(office.url(f"/claims/{claim.id}")).get_data(as_text=True)
    assert "Rejected" in html and "Certificate expired in 2567" in html


def test_leader_withdraws_a_pending_claim_and_its_files(app, office, db):
    evidence = _evidence(office, db)
    claim_id, stored = (
        evidence.claim_id,
        Path(app.config["UPLOAD_FOLDER"]) / "evidence" / evidence.key,
    )
    assert office.post(office.url(f"/claims/{claim_id}/withdraw")).status_code == 303
    db.session.expire_all()
    assert db.session.get(Claim, claim_id) is None
    assert not stored.exists()


def test_decided_claims_cannot_be_withdrawn(office, make, db):
    claim = make.claim(office.a, status="verified")
    db.session.commit()
    office.login("leader")
    assert office.post(office.url(f"/claims/{claim.id}/withdraw")).status_code == 303
    db.session.expire_all()
    assert db.session.get(Claim, claim.id) is not None


def test_add_evidence_later_and_cross_group_404(office, make, db):
    mine = make.claim(office.a, status="pending")
    theirs = make.claim(office.b, status="pending")
    db.session.commit()
    office.login("leader")
    response = office.post(
        office.url(f"/claims/{mine.id}/evidence"),
        {"evidence": (io.BytesIO(PDF), "more.pdf"), "description": "page 2"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert office.client.get(office.url(f"/claims/{theirs.id}")).status_code == 404
    assert office.post(office.url(f"/claims/{theirs.id}/withdraw")).status_code == 404
    response = office.post(
        office.url(f"/claims/{theirs.id}/evidence"),
        {"evidence": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert len(mine.evidence) == 1 and theirs.evidence == []
