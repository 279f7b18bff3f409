"""The audit log in words: every action code has a label and a sentence that reads its details."""

import json
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from marketplace.accounts.audit import AuditAction as A
from marketplace.accounts.audit_text import (
    _SENTENCES,
    ACTION_LABELS,
    _Page,
    action_label,
    describe,
)

# Details as the code that writes each action stores them (see the audit(...) calls).
SAMPLES = {
    A.SIGN_IN: {"remember": True},
    A.SIGN_IN_FAILED: {"email": "someone@example.com"},
    A.SIGN_OUT: {},
    A.SIGN_UP: {},
    A.PASSWORD_RESET_REQUESTED: {"known": True},
    A.PASSWORD_RESET: {},
    A.PASSWORD_CHANGED: {},
    A.INVITATION_SENT: {"group_id": 1, "role": "leader", "sent": True},
    A.INVITATION_ACCEPTED: {},
    A.PROFILE_UPDATED: {"name": True, "locale": "en"},
    A.MEMBERSHIP_ADDED: {"group_id": 1, "role": "staff"},
    A.MEMBERSHIP_CHANGED: {"group_id": 1, "role": "leader", "previous_role": "staff"},
    A.MEMBERSHIP_REMOVED: {"group_id": 1, "role": "staff"},
    A.OFFICER_GRANTED: {},
    A.OFFICER_REVOKED: {},
    A.OFFICER_AREA_ADDED: {"province_code": "57", "district_code": "5705"},
    A.OFFICER_AREA_REMOVED: {"province_code": "57", "district_code": ""},
    A.ADMIN_GRANTED: {"via": "cli"},
    A.ADMIN_REVOKED: {},
    A.USER_DEACTIVATED: {},
    A.USER_REACTIVATED: {},
    A.GROUP_CREATED: {"slug": "hom-phaendin"},
    A.GROUP_UPDATED: {"fields": ["name_th", "phone"]},
    A.PAYOUT_CHANGED: {"fields": ["promptpay_id"]},
    A.PRICE_CHANGED: {"sku": "BSR-1KG", "old": 8500, "new": 9000},
    A.STOCK_ADJUSTED: {"code": "HP-BSR1KG-2512-01", "delta": -3, "reason": "damaged"},
    A.HOUSEHOLD_PERSONAL_VIEWED: {"code": "57-00012", "reason": ""},
    A.CLAIM_DECIDED: {"status": "verified", "kind": "chemical_free", "reason": "Lab report"},
    A.ORDER_PAID: {"method": "transfer", "amount": 25000},
    A.ORDER_PAID_AFTER_CLOSE: {"payment": 7},
    A.ORDER_CANCELLED: {},
    A.PAYMENT_MISMATCH: {"event": "evt_1", "session": "cs_1", "problem": "amount differs"},
    A.SLIP_CONFIRMED: {"order": "HP-1234", "amount": 25000},
    A.SLIP_REJECTED: {"order": "HP-1234", "reason": "No money arrived"},
    A.FULFILMENT_CHANGED: {"order": "HP-1234", "step": "pack", "before": "paid", "after": "packed"},
    A.REFUND_MADE: {
        "order": "HP-1234",
        "amount": 8500,
        "shipping": 0,
        "restock": True,
        "method": "stripe",
        "lines": {"3": 1},
    },
    A.SHIPPING_CHANGED: {"ships": True, "fields": ["ships"]},
    A.DISCOUNT_CODE_CHANGED: {"code": "RICE10", "group": 1, "change": "paused"},
    A.SHARE_RULE_SAVED: {
        "product": 1,
        "variant": None,
        "version": 2,
        "parts": ["grower:percent:60"],
        "platform_fee_bp": 500,
    },
    A.LEDGER_ENTRY_RECORDED: {
        "kind": "raw_material",
        "household": "57-00012",
        "group": "hom-phaendin",
        "amount": 120000,
    },
    A.ASSESSMENT_RECORDED: {
        "household": "57-00012",
        "assessed_on": "2025-03-15",
        "source": "survey",
    },
    A.ASSESSMENTS_IMPORTED: {
        "rows": 10,
        "imported": 8,
        "unmatched": 2,
        "already_recorded": 0,
        "households": ["57-00012"],
    },
    A.HOUSEHOLD_EXPORTED: {"code": "57-00012", "scope": "group"},
    A.HOUSEHOLD_ERASED: {"code": "57-00012", "group": "hom-phaendin"},
    A.HOUSEHOLD_LINKED: {
        "code": "57-00012",
        "group": "hom-phaendin",
        "consent_on": "2025-01-02",
        "consent_note": "signed form",
    },
    A.REPORT_VIEWED: {
        "scope": "area",
        "area": "57-5705",
        "date_from": "2025-12-01",
        "date_to": "2026-11-30",
    },
    A.MAIL_SENT_AGAIN: {"previous_status": "failed"},
    A.ORDER_PAID_TWICE: {"payment": 9, "amount": 25000, "part": 3},
    A.SURPLUS_GIVEN_BACK: {"order": "HP-1234", "payment": 9, "amount": 25000},
    A.REPORT_EXPORTED: {
        "scope": "area",
        "area": "57",
        "date_from": "2025-12-01",
        "date_to": "2026-11-30",
        "format": "xlsx",
        "via": "web",
        "households": True,
    },
}


def _row(action, details):
    return SimpleNamespace(action=action, details=json.dumps(details))


@pytest.fixture
def page(app):
    with app.test_request_context():
        found = _Page([])
        found.by_id = {1: "Hom Phaendin"}
        found.by_slug = {"hom-phaendin": "Hom Phaendin"}
        yield found


def test_every_action_has_a_label_and_a_sample():
    """A new AuditAction needs a label and a sentence in marketplace/accounts/audit_text.py."""
    assert sorted(ACTION_LABELS) == A.all()
    assert sorted(SAMPLES) == A.all()


@pytest.mark.parametrize("locale", ["en", "th"])
@pytest.mark.parametrize("action", A.all())
def test_every_action_reads_as_a_sentence(app, page, action, locale):
    with force_locale(locale):
        # The sentence reads the details the code writes (no fallback on a missing key).
        own, _ = _SENTENCES[action](SAMPLES[action], page)
        text, facts = describe(_row(action, SAMPLES[action]), page)
        label = action_label(action)
    assert text == own
    assert text and "%(" not in text and action not in text
    values = " ".join(value for _, value in facts)
    assert "{" not in text and "{" not in values
    if locale == "th":
        assert not any("a" <= ch <= "z" for ch in label.lower()), label


def test_sentences_say_amounts_and_names_readably(app, page):
    with force_locale("en"):
        text, facts = describe(
            _row(A.LEDGER_ENTRY_RECORDED, SAMPLES[A.LEDGER_ENTRY_RECORDED]), page
        )
        assert (
            text
            == "Recorded for household 57-00012: Raw material bought from the household, ฿1,200"
        )
        assert facts == []
        text, facts = describe(_row(A.REFUND_MADE, SAMPLES[A.REFUND_MADE]), page)
        assert text == "Refunded ฿85 of order HP-1234"
        assert ("Put the refunded units back in stock", "Yes") in facts
        assert ("Method", "Card or PromptPay (Stripe)") in facts
        text, _ = describe(_row(A.OFFICER_AREA_ADDED, SAMPLES[A.OFFICER_AREA_ADDED]), page)
        assert text == "Officer area added: Phan, Chiang Rai"
        text, _ = describe(_row(A.STOCK_ADJUSTED, SAMPLES[A.STOCK_ADJUSTED]), page)
        assert text == "Stock of lot HP-BSR1KG-2512-01 changed by -3 units: Damaged or spoiled"
    with force_locale("th"):
        text, _ = describe(_row(A.REPORT_VIEWED, SAMPLES[A.REPORT_VIEWED]), page)
        assert text == "เปิดดูรายงานรายได้ของ พาน, เชียงราย ช่วง 1 ธ.ค. 2568 ถึง 30 พ.ย. 2569"


def test_unknown_codes_and_broken_details_fall_back(app, page):
    with force_locale("en"):
        assert describe(_row("mail.bounced", {"n": 2}), page) == ("mail.bounced", [("n", "2")])
        text, facts = describe(_row(A.PRICE_CHANGED, {"sku": "X"}), page)
        assert text == "Price changed" and facts == [("sku", "X")]
        text, facts = describe(SimpleNamespace(action=A.SIGN_IN, details="not json"), page)
        assert text == "Signed in" and facts == [("details", "not json")]
