"""The audit log in words: each action code as a sentence in the reader's language.

A row stores its action as a code (`ledger.entry_recorded`) and its details as
JSON. `describe_entries` turns the rows of a page into sentences ("Recorded a
wage of ฿300 for household 57-00012") plus the details the sentence does not
already say, each with a readable label and value. One sentence per action
code lives in `_SENTENCES`; a code it does not know (an older or newer row)
falls back to its label or the bare code, and its details are still listed.
"""

import json
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import areas
from ..extensions import db
from ..i18n import current_language, format_baht, format_date, localized
from .audit import AuditAction as A

# A short name for each action: the audit filter's choices and the fallback sentence.
ACTION_LABELS = {
    A.SIGN_IN: _l("Signed in"),
    A.SIGN_IN_FAILED: _l("Sign-in failed"),
    A.SIGN_OUT: _l("Signed out"),
    A.SIGN_UP: _l("Account created"),
    A.PASSWORD_RESET_REQUESTED: _l("Password reset asked for"),
    A.PASSWORD_RESET: _l("Password reset"),
    A.PASSWORD_CHANGED: _l("Password changed"),
    A.INVITATION_SENT: _l("Invitation sent"),
    A.INVITATION_ACCEPTED: _l("Invitation accepted"),
    A.PROFILE_UPDATED: _l("Profile changed"),
    A.MEMBERSHIP_ADDED: _l("Added to a group"),
    A.MEMBERSHIP_CHANGED: _l("Role in a group changed"),
    A.MEMBERSHIP_REMOVED: _l("Removed from a group"),
    A.OFFICER_GRANTED: _l("Officer rights granted"),
    A.OFFICER_REVOKED: _l("Officer rights removed"),
    A.OFFICER_AREA_ADDED: _l("Officer area added"),
    A.OFFICER_AREA_REMOVED: _l("Officer area removed"),
    A.ADMIN_GRANTED: _l("Admin rights granted"),
    A.ADMIN_REVOKED: _l("Admin rights removed"),
    A.USER_DEACTIVATED: _l("Account deactivated"),
    A.USER_REACTIVATED: _l("Account reactivated"),
    A.GROUP_CREATED: _l("Group created"),
    A.GROUP_UPDATED: _l("Group details changed"),
    A.PAYOUT_CHANGED: _l("Payout details changed"),
    A.PRICE_CHANGED: _l("Price changed"),
    A.STOCK_ADJUSTED: _l("Stock changed"),
    A.HOUSEHOLD_PERSONAL_VIEWED: _l("Household personal data seen"),
    A.CLAIM_DECIDED: _l("Claim decided"),
    A.ORDER_PAID: _l("Order paid"),
    A.ORDER_PAID_AFTER_CLOSE: _l("Payment after an order closed"),
    A.ORDER_CANCELLED: _l("Order cancelled"),
    A.PAYMENT_MISMATCH: _l("Card payment did not match"),
    A.SLIP_CONFIRMED: _l("Transfer slip confirmed"),
    A.SLIP_REJECTED: _l("Transfer slip rejected"),
    A.FULFILMENT_CHANGED: _l("Order part moved on"),
    A.REFUND_MADE: _l("Refund made"),
    A.SHIPPING_CHANGED: _l("Shipping settings changed"),
    A.SHARE_RULE_SAVED: _l("Share rule saved"),
    A.DISCOUNT_CODE_CHANGED: _l("Discount code changed"),
    A.LEDGER_ENTRY_RECORDED: _l("Income ledger entry recorded"),
    A.ASSESSMENT_RECORDED: _l("Assessment recorded"),
    A.ASSESSMENTS_IMPORTED: _l("Assessments imported"),
    A.HOUSEHOLD_EXPORTED: _l("Household data downloaded"),
    A.HOUSEHOLD_ERASED: _l("Household personal data erased"),
    A.HOUSEHOLD_LINKED: _l("Household joined a group"),
    A.REPORT_VIEWED: _l("Report opened"),
    A.REPORT_EXPORTED: _l("Report downloaded"),
    A.MAIL_SENT_AGAIN: _l("Mail sent again"),
    A.ORDER_PAID_TWICE: _l("Order paid twice"),
    A.SURPLUS_GIVEN_BACK: _l("Payment given back"),
}

# Detail keys as a reader would name them; a key not listed here is shown as it is.
_KEY_LABELS = {
    "amount": _l("Amount"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "email": _l("Email"),
    "method": _l("Method"),
    "shipping": _l("Shipping"),
    "restock": _l("Put the refunded units back in stock"),
    "lines": _l("Units per order line"),
    "problem": _l("Problem"),
    "event": _l("Stripe event"),
    "session": _l("Checkout session"),
    "payment": _l("Payment"),
    "consent_on": _l("Consent given on"),
    "consent_note": _l("How consent was given"),
    "parts": _l("Households, by what they did"),
    "platform_fee_bp": _l("Platform fee"),
    "households": _l("Households"),
    "remember": _l("Keep me signed in on this device"),
    "sent": _l("Mail sent"),
    "via": _l("Through"),
    "format": _l("Format"),
    "table": _l("Table"),
    "order": _l("Order"),
    "version": _l("Version"),
    "rows": _l("Rows"),
    "source": _l("Source"),
    "product": _l("Product"),
    "variant": _l("Size"),
    "scope": _l("Scope"),
    "date_from": _l("From"),
    "date_to": _l("Until"),
}

# Fields of a group (or profile) that an update lists by name.
_FIELD_LABELS = {
    "name_th": _l("Name in Thai"),
    "name_en": _l("Name in English"),
    "slug": _l("Web address"),
    "kind": _l("Kind of group"),
    "registration_no": _l("Registration number"),
    "village": _l("Village"),
    "moo": _l("Moo (village number)"),
    "province_code": _l("Province"),
    "district_code": _l("District"),
    "subdistrict_code": _l("Subdistrict"),
    "postal_code": _l("Postal code"),
    "phone": _l("Phone"),
    "email": _l("Email address"),
    "line_id": _l("LINE ID"),
    "is_active": _l("Shown on the marketplace"),
    "story_th": _l("Our story in Thai"),
    "story_en": _l("Our story in English"),
    "payout_bank": _l("Bank"),
    "payout_account_name": _l("Account name"),
    "payout_account_no": _l("Account number"),
    "promptpay_id": _l("PromptPay ID"),
    "ships": _l("We ship orders"),
    "shipping_flat_satang": _l("Shipping fee per parcel, in baht"),
    "shipping_per_kg_satang": _l("Shipping per kilogram, in baht"),
    "offers_pickup": _l("Buyers may pick up orders at the group"),
    "pickup_note_th": _l("Where and when to pick up, in Thai"),
    "pickup_note_en": _l("Where and when to pick up, in English"),
    "name": _l("Your name"),
    "locale": _l("Language"),
}

# Details holding satang, shown as baht.
_MONEY_KEYS = {"amount", "shipping", "old", "new", "shipping_flat_satang", "shipping_per_kg_satang"}


class _Page:
    """What the rows of one page name, read at once: groups (by id or slug) and accounts."""

    def __init__(self, details, entries=()):
        ids = {d.get("group_id") for d in details if isinstance(d.get("group_id"), int)}
        ids |= {e.subject_id for e in entries if e.subject_type == "producer_group"}
        slugs = {d.get("group") for d in details if isinstance(d.get("group"), str)}
        users = {e.subject_id for e in entries if e.subject_type == "user" and e.subject_id}
        self.by_id, self.by_slug, self.emails = {}, {}, {}
        if ids or slugs:
            from ..models.catalog import ProducerGroup

            rows = db.session.execute(
                select(
                    ProducerGroup.id,
                    ProducerGroup.slug,
                    ProducerGroup.name_th,
                    ProducerGroup.name_en,
                ).where(ProducerGroup.id.in_(ids) | ProducerGroup.slug.in_(slugs))
            ).all()
            for row in rows:
                name = localized(row, "name")
                self.by_id[row.id] = name
                self.by_slug[row.slug] = name
        if users:
            from ..models.accounts import User

            self.emails = dict(
                db.session.execute(select(User.id, User.email).where(User.id.in_(users))).all()
            )

    def group(self, details):
        """The group a row names, by id or slug, in the reader's language."""
        if "group_id" in details:
            return self.by_id.get(details["group_id"], f"#{details['group_id']}")
        return self.by_slug.get(details.get("group"), details.get("group", ""))

    def subject(self, entry):
        """(text, endpoint, id) naming what a row is about; endpoint None when no page."""
        kind, key = entry.subject_type, entry.subject_id
        if not kind:
            return None
        if kind == "user":
            return self.emails.get(key, f"#{key}"), "admin.user", key
        if kind == "producer_group":
            return self.by_id.get(key, f"#{key}"), "admin.group", key
        label = _SUBJECT_LABELS.get(kind)
        return f"{label if label is not None else kind} #{key}", None, key


# What a row may be about, by table name.
_SUBJECT_LABELS = {
    "order": _l("Order"),
    "fulfilment": _l("Order part"),
    "payment": _l("Payment"),
    "refund": _l("Refund"),
    "lot": _l("Lot"),
    "variant": _l("Size"),
    "product": _l("Product"),
    "claim": _l("Claim"),
    "household": _l("Household"),
    "household_assessment": _l("Assessment"),
    "outbox_mail": _l("Mail"),
    "ledger_entry": _l("Income ledger entry"),
    "share_rule": _l("Share rule"),
}


def _role(code):
    from .service import role_label

    return role_label(code)


def _area(details):
    """ "Phan, Chiang Rai" or "Chiang Rai" from province/district codes or an "57-5702" code."""
    language = current_language()
    codes = details.get("area")
    if codes is not None:
        codes = [c for c in str(codes).split("-") if c]
    else:
        codes = [c for c in (details.get("province_code"), details.get("district_code")) if c]
    names = []
    for code, find in zip(codes, (areas.province, areas.district, areas.subdistrict), strict=False):
        names.append(areas.area_name(find(code), language) or code)
    return ", ".join(reversed(names)) or _("the whole country")


def _date(value):
    try:
        return format_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _period(details):
    return _(
        "%(start)s to %(end)s", start=_date(details["date_from"]), end=_date(details["date_to"])
    )


def _fields(names):
    return ", ".join(str(_FIELD_LABELS.get(name, name)) for name in names or ())


def _kind(code):
    from ..models.ledger import LedgerKind as K

    labels = {
        K.SALE_SHARE: _l("Share of a sale"),
        K.RAW_MATERIAL: _l("Raw material bought from the household"),
        K.WAGE: _l("Wage for work done"),
        K.PAYOUT: _l("Payout: money handed to the household"),
        K.ADJUSTMENT: _l("Adjustment (a correction)"),
        K.REVERSAL: _l("Refund taken back"),
    }
    return str(labels.get(code, code))


def _stock_reason(code):
    from ..office.forms import STOCK_REASONS

    return str(STOCK_REASONS.get(code, code))


def _fulfilment_status(code):
    from ..orders.fulfilment import STATUS_LABELS

    return str(STATUS_LABELS.get(code, code))


def _method(code):
    from ..orders.fulfilment import PAYMENT_METHOD_LABELS

    return str(PAYMENT_METHOD_LABELS.get(code, code))


def _claim(details):
    from ..catalog.labels import claim_kind_label, claim_status_label

    return claim_kind_label(details["kind"]), claim_status_label(details["status"])


def _sign_in_failed(d, page):
    if d.get("reason") == "inactive":
        return _("Sign-in refused for %(email)s: the account is deactivated", email=d["email"]), {
            "reason"
        }
    return _("Sign-in failed for %(email)s: wrong email or password", email=d["email"]), set()


def _reset_requested(d, page):
    if d.get("known") is False:
        return _(
            "Asked for a password reset for %(email)s, which has no account", email=d["email"]
        ), set()
    return _("Asked for a password reset link"), set()


def _admin_granted(d, page):
    if d.get("via") == "cli":
        return _("Made an admin from the command line"), set()
    return _("Given admin rights"), set()


def _invitation(d, page):
    text = _("Invited to %(group)s as %(role)s", group=page.group(d), role=_role(d["role"]))
    if d.get("sent") is False:
        text = _("%(text)s; the mail could not be sent", text=text)
    return text, {"sent"}


def _profile(d, page):
    return _("Changed their profile: %(fields)s", fields=_fields(sorted(d))), set(d)


def _membership_changed(d, page):
    return _(
        "Role in %(group)s changed from %(before)s to %(after)s",
        group=page.group(d),
        before=_role(d["previous_role"]),
        after=_role(d["role"]),
    ), set()


def _price(d, page):
    if d.get("old") is None:
        return _("Price of %(sku)s set to %(new)s", sku=d["sku"], new=format_baht(d["new"])), set()
    return _(
        "Price of %(sku)s changed from %(old)s to %(new)s",
        sku=d["sku"],
        old=format_baht(d["old"]),
        new=format_baht(d["new"]),
    ), set()


def _stock(d, page):
    if d.get("reason") == "new_lot":
        return _("Lot %(code)s recorded with %(n)d units", code=d["code"], n=int(d["delta"])), set()
    delta = f"{int(d['delta']):+d}"
    return _(
        "Stock of lot %(code)s changed by %(delta)s units: %(reason)s",
        code=d["code"],
        delta=delta,
        reason=_stock_reason(d["reason"]),
    ), set()


def _claim_decided(d, page):
    kind, status = _claim(d)
    return _("Claim “%(kind)s” decided: %(status)s", kind=kind, status=status), set()


def _order_paid(d, page):
    return _(
        "Order paid: %(amount)s by %(method)s",
        amount=format_baht(d["amount"]),
        method=_method(d["method"]),
    ), {"method"}


def _fulfilment(d, page):
    return _(
        "Order %(order)s: %(before)s → %(after)s",
        order=d["order"],
        before=_fulfilment_status(d["before"]),
        after=_fulfilment_status(d["after"]),
    ), {"step"}


def _refund(d, page):
    return _(
        "Refunded %(amount)s of order %(order)s", amount=format_baht(d["amount"]), order=d["order"]
    ), set()


def _discount_code(d, page):
    change = d.get("change")
    if change == "batch":
        return (
            _(
                "Made %(n)s single-use discount codes (batch %(batch)s)",
                n=d.get("count"),
                batch=d.get("batch"),
            ),
            {"change", "count", "batch", "group"},
        )
    wording = {
        "created": _("Discount code %(code)s created"),
        "active": _("Discount code %(code)s resumed"),
        "paused": _("Discount code %(code)s paused"),
        "ended": _("Discount code %(code)s ended"),
    }.get(change, _("Discount code %(code)s changed"))
    return wording % {"code": d.get("code", "")}, {"change", "code", "group"}


def _share_rule(d, page):
    return _("Share rule version %(version)d saved", version=int(d["version"])), set()


def _ledger(d, page):
    return _(
        "Recorded for household %(household)s: %(kind)s, %(amount)s",
        kind=_kind(d["kind"]),
        amount=format_baht(d["amount"]),
        household=d["household"],
    ), set()


def _assessment(d, page):
    return _(
        "Assessment of household %(household)s of %(date)s recorded",
        household=d["household"],
        date=_date(d["assessed_on"]),
    ), set()


def _imported(d, page):
    return _(
        "Imported %(imported)d assessments from %(rows)d rows (%(unmatched)d matched no household)",
        imported=int(d["imported"]),
        rows=int(d["rows"]),
        unmatched=int(d.get("unmatched", 0)),
    ), {"already_recorded"}


def _report(viewed):
    def sentence(d, page):
        scope = d.get("scope")
        if scope == "household":
            text = (
                _(
                    "Opened the income report of household %(code)s, %(period)s",
                    code=d["code"],
                    period=_period(d),
                )
                if viewed
                else _(
                    "Downloaded the income report of household %(code)s, %(period)s",
                    code=d["code"],
                    period=_period(d),
                )
            )
        elif scope == "group":
            text = (
                _("Opened the group's income report, %(period)s", period=_period(d))
                if viewed
                else _("Downloaded the group's income report, %(period)s", period=_period(d))
            )
        else:
            text = (
                _(
                    "Opened the income report of %(area)s, %(period)s",
                    area=_area(d),
                    period=_period(d),
                )
                if viewed
                else _(
                    "Downloaded the income report of %(area)s as %(format)s, %(period)s",
                    area=_area(d),
                    format=str(d.get("format", "")).upper(),
                    period=_period(d),
                )
            )
        return text, {"scope", "area", "date_from", "date_to", "format", "code"}

    return sentence


# action → sentence(details, page) returning (text, detail keys it covers beyond its
# placeholders). The keys a sentence reads are never listed again beside it.
_SENTENCES = {
    A.SIGN_IN: lambda d, page: (
        _("Signed in, staying signed in on this device") if d.get("remember") else _("Signed in"),
        {"remember"},
    ),
    A.SIGN_IN_FAILED: _sign_in_failed,
    A.SIGN_OUT: lambda d, page: (_("Signed out"), set()),
    A.SIGN_UP: lambda d, page: (_("Created an account"), set()),
    A.PASSWORD_RESET_REQUESTED: _reset_requested,
    A.PASSWORD_RESET: lambda d, page: (_("Set a new password with a reset link"), set()),
    A.PASSWORD_CHANGED: lambda d, page: (_("Changed the password"), set()),
    A.INVITATION_SENT: _invitation,
    A.INVITATION_ACCEPTED: lambda d, page: (
        _("Accepted the invitation and chose a password"),
        set(),
    ),
    A.PROFILE_UPDATED: _profile,
    A.MEMBERSHIP_ADDED: lambda d, page: (
        _("Added to %(group)s as %(role)s", group=page.group(d), role=_role(d["role"])),
        set(),
    ),
    A.MEMBERSHIP_CHANGED: _membership_changed,
    A.MEMBERSHIP_REMOVED: lambda d, page: (
        _("Removed from %(group)s (was %(role)s)", group=page.group(d), role=_role(d["role"])),
        set(),
    ),
    A.OFFICER_GRANTED: lambda d, page: (_("Given officer rights"), set()),
    A.OFFICER_REVOKED: lambda d, page: (_("Officer rights removed"), set()),
    A.OFFICER_AREA_ADDED: lambda d, page: (_("Officer area added: %(area)s", area=_area(d)), set()),
    A.OFFICER_AREA_REMOVED: lambda d, page: (
        _("Officer area removed: %(area)s", area=_area(d)),
        set(),
    ),
    A.ADMIN_GRANTED: _admin_granted,
    A.ADMIN_REVOKED: lambda d, page: (_("Admin rights removed"), set()),
    A.USER_DEACTIVATED: lambda d, page: (_("Account deactivated"), set()),
    A.USER_REACTIVATED: lambda d, page: (_("Account reactivated"), set()),
    A.GROUP_CREATED: lambda d, page: (
        _("Group created at the web address %(slug)s", slug=d["slug"]),
        set(),
    ),
    A.GROUP_UPDATED: lambda d, page: (
        _("Group details changed: %(fields)s", fields=_fields(d["fields"])),
        set(),
    ),
    A.PAYOUT_CHANGED: lambda d, page: (
        _("Payout details changed: %(fields)s", fields=_fields(d["fields"])),
        set(),
    ),
    A.PRICE_CHANGED: _price,
    A.STOCK_ADJUSTED: _stock,
    A.HOUSEHOLD_PERSONAL_VIEWED: lambda d, page: (
        _("Saw the personal data of household %(code)s", code=d["code"]),
        set(),
    ),
    A.CLAIM_DECIDED: _claim_decided,
    A.ORDER_PAID: _order_paid,
    A.ORDER_PAID_AFTER_CLOSE: lambda d, page: (
        _("A payment arrived after the order had closed: it is to be given back"),
        set(),
    ),
    A.ORDER_CANCELLED: lambda d, page: (_("Order cancelled before it was paid"), set()),
    A.PAYMENT_MISMATCH: lambda d, page: (
        _("A card payment did not match the order and was refused"),
        set(),
    ),
    A.SLIP_CONFIRMED: lambda d, page: (
        _(
            "Transfer slip of order %(order)s confirmed: %(amount)s arrived",
            order=d["order"],
            amount=format_baht(d["amount"]),
        ),
        set(),
    ),
    A.SLIP_REJECTED: lambda d, page: (
        _("Transfer slip of order %(order)s rejected", order=d["order"]),
        set(),
    ),
    A.FULFILMENT_CHANGED: _fulfilment,
    A.REFUND_MADE: _refund,
    A.SHIPPING_CHANGED: lambda d, page: (
        _("Shipping settings changed: %(fields)s", fields=_fields(d["fields"])),
        set(d) - {"fields"},
    ),
    A.SHARE_RULE_SAVED: _share_rule,
    A.DISCOUNT_CODE_CHANGED: _discount_code,
    A.LEDGER_ENTRY_RECORDED: _ledger,
    A.ASSESSMENT_RECORDED: _assessment,
    A.ASSESSMENTS_IMPORTED: _imported,
    A.HOUSEHOLD_EXPORTED: lambda d, page: (
        _("Downloaded everything stored about household %(code)s", code=d["code"]),
        set(),
    ),
    A.HOUSEHOLD_ERASED: lambda d, page: (
        _(
            "Erased the personal data of household %(code)s (group %(group)s)",
            code=d["code"],
            group=page.group(d),
        ),
        set(),
    ),
    A.HOUSEHOLD_LINKED: lambda d, page: (
        _("Household %(code)s now also supplies %(group)s", code=d["code"], group=page.group(d)),
        set(),
    ),
    A.REPORT_VIEWED: _report(viewed=True),
    A.REPORT_EXPORTED: _report(viewed=False),
    A.ORDER_PAID_TWICE: lambda d, page: (
        _(
            "A second payment of %(amount)s arrived: it is to be given back",
            amount=format_baht(d["amount"]),
        ),
        set(),
    ),
    A.SURPLUS_GIVEN_BACK: lambda d, page: (
        _(
            "Gave back %(amount)s paid twice for order %(order)s",
            amount=format_baht(d["amount"]),
            order=d["order"],
        ),
        set(),
    ),
    A.MAIL_SENT_AGAIN: lambda d, page: (
        _("Sent a mail from the outbox again"),
        set(),
    ),
}

# Detail keys every sentence that names them already says.
_SAID = {
    "code", "sku", "old", "new", "delta", "kind", "status", "order", "fields", "group",
    "group_id", "role", "previous_role", "household", "assessed_on", "imported", "rows",
    "unmatched", "province_code", "district_code", "slug", "version", "known", "amount",
}  # fmt: skip


def action_label(code):
    """A short, translated name of an action code; the code itself when unknown."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices():
    """(code, label) of every action, sorted by label, for the audit filter."""
    return sorted(((code, action_label(code)) for code in A.all()), key=lambda pair: pair[1])


def _details(entry):
    try:
        details = json.loads(entry.details or "{}")
    except ValueError:
        return {"details": entry.details}
    return details if isinstance(details, dict) else {"details": details}


def _value(key, value):
    """A detail value as a reader wants it: baht, dates, yes/no, lists joined."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "–"
    if key in _MONEY_KEYS and isinstance(value, int):
        return format_baht(value)
    if key == "method":
        return _method(value)
    if key == "via":
        return {"web": _("the web page"), "cli": _("the command line")}.get(value, str(value))
    if key == "platform_fee_bp" and isinstance(value, int):
        return f"{value / 100:g}%"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "–"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return _date(value)
    return str(value)


def describe(entry, page):
    """(sentence, [(label, value)]) for one audit row; unknown codes fall back gracefully."""
    details = _details(entry)
    sentence = _SENTENCES.get(entry.action)
    covered = set()
    text = None
    if sentence is not None:
        try:
            text, covered = sentence(details, page)
        except (KeyError, TypeError, ValueError):
            text = None  # a row older or newer than its sentence: say what is known
    if text is None:
        text, covered = action_label(entry.action), set()
    else:
        covered = covered | _SAID
    facts = [
        (str(_KEY_LABELS.get(key, key)), _value(key, value))
        for key, value in sorted(details.items())
        if key not in covered
    ]
    return text, facts


def describe_entries(entries):
    """[(entry, sentence, facts, subject)] for the rows of one page; names read at once."""
    entries = list(entries)
    page = _Page([_details(entry) for entry in entries], entries)
    return [(entry, *describe(entry, page), page.subject(entry)) for entry in entries]
