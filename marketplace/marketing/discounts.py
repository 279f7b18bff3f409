"""Discount codes: issuing them, checking them against a cart, and redeeming them safely.

Decided here:
- A code is 5–20 letters A–Z and digits (a hyphen inside is allowed), stored
  upper-case; what a buyer types is upper-cased, so codes are case-insensitive.
  Anything else (Thai, emoji, NUL, 10,000 characters) is `DiscountError`.
- A group's code discounts only that group's lines (its free shipping only that
  group's part); a market code (no group, made by an admin) every group's.
- `evaluate` prices a code against a `checkout.Quote` without writing: which
  lines are eligible (products/categories, lots with a verified claim), the
  minimum spend (on the eligible lines), and the discount per line by largest
  remainder over the lines' gross amounts, in integer satang adding up exactly.
  A line is never discounted below zero, nor — unless the code says households
  share the discount — below the households' part of its price under the share
  rule in force, so the households' per-unit share stays whole (`impact.ledger`
  takes the discount from the group fund and the platform fee).
- Redemption: `hold` when the order is placed, `sync_order` when the order is
  paid (used), closed unpaid (released) or refunded in full (returned). Each
  counter change is one conditional UPDATE on the code's row, e.g.
  `uses_held = uses_held + 1 WHERE uses_held + uses_used < max_uses`, and the
  table's CHECK refuses any state with more uses than allowed; on PostgreSQL the
  UPDATE also takes the code's row lock, so the per-buyer count made after it
  sees every other redemption of the code that committed first. Every caller
  changes stock (if at all) before the code, so the locks are always taken in
  the same order (catalog version, lots, code).
- Per-buyer limits count the account and, for everyone, the normalised e-mail
  (lower case, no +tag, Gmail without dots) and phone: a new spelling of the same
  address does not make a new buyer.
- A code is "claim-limited" when `claim_kind` is set: a line is eligible when
  every lot of its variant with units left carries a verified, unexpired claim
  of that kind (on the lot itself or on its product).
"""

import logging
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from flask_babel import gettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.service import clean_text
from ..extensions import db
from ..i18n import BANGKOK, NotADate, bangkok_today, parse_ymd
from ..models import (
    Claim,
    ClaimKind,
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    DiscountStatus,
    DiscountTarget,
    LedgerAccount,
    LedgerEntry,
    Lot,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    RedemptionStatus,
)

log = logging.getLogger(__name__)
MIN_LENGTH = 5
MAX_LENGTH = 20
MAX_BATCH = 1000
_CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_PAID = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)
_CLOSED = (OrderStatus.EXPIRED, OrderStatus.CANCELLED)
_EVER_PAID = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED)


class DiscountError(Exception):
    """A code that cannot be used or saved; `message` is for the person. Nothing was changed."""

    def __init__(self, message, field=None, status=400):
        self.message = message
        self.field = field
        self.status = status  # for a view: 404 for a code that does not exist
        super().__init__(str(message))


def _now():
    return datetime.now(UTC)


def _aware(moment):
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# -- codes and buyers as typed ---------------------------------------------------------------


def normalize_code(raw):
    """The stored form of a typed code ('  rice10 ' → 'RICE10'); DiscountError if it is none."""
    if not isinstance(raw, str):
        raise DiscountError(gettext("Enter a discount code."), field="code")
    text = raw.strip().upper()
    if not text:
        raise DiscountError(gettext("Enter a discount code."), field="code")
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH or not _CODE.match(text):
        raise DiscountError(
            gettext("A discount code is 5 to 20 letters (A–Z) and digits."), field="code"
        )
    return text


def email_key(email):
    """An e-mail address as one buyer: lower case, no +tag, Gmail without dots."""
    email = (email or "").strip().lower()
    local, _, domain = email.rpartition("@")
    if not local:
        return email[:254]
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"[:254]


def phone_key(phone):
    """A Thai phone number as one buyer: digits only, +66 written as 0."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("66") and len(digits) in (11, 10):
        digits = "0" + digits[2:]
    return digits[:20]


def find_code(text):
    """The code for what a buyer typed, or DiscountError (bad form or no such code)."""
    normal = normalize_code(text)
    code = db.session.scalar(select(DiscountCode).where(DiscountCode.code == normal))
    if code is None:
        raise DiscountError(
            gettext("There is no discount code %(code)s.", code=normal), "code", status=404
        )
    return code


# -- checking a code against a cart ----------------------------------------------------------


@dataclass
class Applied:
    """What a code takes off a quoted cart: per line (by variant id) and per group's shipping."""

    code: DiscountCode
    lines: dict = field(default_factory=dict)  # variant_id → satang
    shipping: dict = field(default_factory=dict)  # group_id → satang
    limited: bool = False  # some line's discount was held back to keep households' share whole

    @property
    def lines_satang(self):
        return sum(self.lines.values())

    @property
    def shipping_satang(self):
        return sum(self.shipping.values())

    @property
    def total_satang(self):
        return self.lines_satang + self.shipping_satang


def usable_now(code, now=None):
    """DiscountError unless the code is active, within its dates, and not used up."""
    now = now or _now()
    if code.status == DiscountStatus.PAUSED:
        raise DiscountError(gettext("The code %(code)s is paused.", code=code.code), "code")
    if code.status == DiscountStatus.ENDED or (
        code.ends_at is not None and _aware(code.ends_at) <= now
    ):
        raise DiscountError(gettext("The code %(code)s has ended.", code=code.code), "code")
    if code.starts_at is not None and _aware(code.starts_at) > now:
        raise DiscountError(
            gettext("The code %(code)s cannot be used yet.", code=code.code), "code"
        )
    if code.max_uses is not None and code.uses >= code.max_uses:
        raise DiscountError(gettext("The code %(code)s is used up.", code=code.code), "code")


def _claimed_variant_ids(variant_ids, claim_kind, today):
    """Ids of the variants whose lots with units left all carry a verified claim of this kind."""
    lots = db.session.execute(
        select(Lot.id, Lot.variant_id, Product.id)
        .join(Lot.variant)
        .join(Product)
        .where(Lot.variant_id.in_(variant_ids), Lot.available > 0)
    ).all()
    if not lots:
        return set()
    claims = db.session.scalars(
        select(Claim).where(
            Claim.kind == claim_kind,
            or_(
                Claim.lot_id.in_({lot_id for lot_id, _, _ in lots}),
                Claim.product_id.in_({product_id for _, _, product_id in lots}),
            ),
        )
    ).all()
    good_lots = {c.lot_id for c in claims if c.lot_id and c.is_verified(today)}
    good_products = {c.product_id for c in claims if c.product_id and c.is_verified(today)}
    ok = defaultdict(lambda: True)
    for lot_id, variant_id, product_id in lots:
        ok[variant_id] = ok[variant_id] and (lot_id in good_lots or product_id in good_products)
    return {variant_id for variant_id, fine in ok.items() if fine}


def eligible_lines(code, the_quote, today=None):
    """[(group quote, quote line)] of the cart that the code may discount."""
    today = today or bangkok_today()
    product_ids = {t.product_id for t in code.targets if t.product_id}
    category_ids = {t.category_id for t in code.targets if t.category_id}
    found = []
    for part in the_quote.groups:
        if code.group_id is not None and part.group.id != code.group_id:
            continue
        for line in part.lines:
            product = line.variant.product
            if (product_ids or category_ids) and not (
                product.id in product_ids or product.category_id in category_ids
            ):
                continue
            found.append((part, line))
    if code.claim_kind and found:
        claimed = _claimed_variant_ids(
            {line.variant.id for _, line in found}, code.claim_kind, today
        )
        found = [(part, line) for part, line in found if line.variant.id in claimed]
    return found


def households_part(gross, quantity, rule):
    """Satang of `gross` (for `quantity` units) households get under `rule`, all roles present."""
    if rule is None or gross <= 0:
        return 0
    from ..impact.ledger import GROUP_FUND, PLATFORM, split_portion

    amounts = split_portion(gross, quantity, list(rule.parts), rule.platform_fee_bp)
    return sum(v for k, v in amounts.items() if k not in (GROUP_FUND, PLATFORM))


def discount_room(gross, quantity, rule):
    """The most a line may be discounted without touching the households' share under `rule`.

    The ledger splits a line lot by lot and rounds each role's part there, so the
    households' part may come out up to one satang per role and lot above the
    line's exact figure; the room leaves that margin (a few satang at most).
    """
    if rule is None:
        return gross
    margin = len(rule.parts) * (quantity + 1)
    return max(0, gross - households_part(gross, quantity, rule) - margin)


def split_discount(total, grosses, limits):
    """Spread `total` satang over lines by their gross (largest remainder), none above its limit.

    What a line cannot take goes to the others, again by gross; what none can
    take is not given. Returns the per-line amounts (their sum ≤ total).
    """
    from ..impact.ledger import largest_remainder

    amounts = [0] * len(grosses)
    left = min(total, sum(limits))
    open_ = [i for i in range(len(grosses)) if limits[i] > 0]
    while left > 0 and open_:
        weights = [grosses[i] or 1 for i in open_]
        shares = largest_remainder(left, weights)
        full = []
        for i, share in zip(open_, shares, strict=True):
            room = limits[i] - amounts[i]
            take = min(share, room)
            amounts[i] += take
            left -= take
            if amounts[i] >= limits[i]:
                full.append(i)
        if not full:
            break
        open_ = [i for i in open_ if i not in full]
    return amounts


def evaluate(code, the_quote, *, user=None, email=None, phone=None, now=None):
    """What `code` takes off `the_quote` (an `Applied`), or DiscountError saying why it cannot.

    With no e-mail or phone yet (the cart page), the per-buyer and first-order
    conditions are checked for the signed-in account only; checkout checks them all.
    """
    from ..impact.share_rules import rules_in_force

    now = now or _now()
    usable_now(code, now)
    if code.group_id is not None and not any(
        part.group.id == code.group_id for part in the_quote.groups
    ):
        raise DiscountError(
            gettext(
                "The code %(code)s is for products of %(group)s only.",
                code=code.code,
                group=code.group.name_th if code.group else "",
            ),
            "code",
        )
    lines = eligible_lines(code, the_quote, now.astimezone(BANGKOK).date())
    if not lines and code.kind != DiscountKind.FREE_SHIPPING:
        raise DiscountError(
            gettext("The code %(code)s does not apply to anything in your cart.", code=code.code),
            "code",
        )
    spend = sum(line.net_satang for _, line in lines)
    if code.kind == DiscountKind.FREE_SHIPPING and not code.targets and not code.claim_kind:
        spend = sum(
            part.subtotal_satang
            for part in the_quote.groups
            if code.group_id is None or part.group.id == code.group_id
        )
    if spend < code.min_spend_satang:
        from ..i18n import format_baht

        raise DiscountError(
            gettext(
                "The code %(code)s needs a spend of at least %(amount)s on the products it covers.",
                code=code.code,
                amount=format_baht(code.min_spend_satang),
            ),
            "code",
        )
    check_buyer(code, user=user, email=email, phone=phone)

    applied = Applied(code=code)
    if code.kind == DiscountKind.FREE_SHIPPING:
        for part in the_quote.groups:
            if part.shipping_satang and code.group_id in (None, part.group.id):
                applied.shipping[part.group.id] = part.shipping_satang
        return applied

    grosses = [line.net_satang for _, line in lines]
    if code.kind == DiscountKind.PERCENT:
        total = sum(grosses) * code.value_bp // 10_000
        if code.cap_satang is not None:
            total = min(total, code.cap_satang)
    else:
        total = min(code.amount_satang, sum(grosses))
    if code.households_share_discount:
        limits = list(grosses)
    else:
        rules = rules_in_force({line.variant.id for _, line in lines}, now)
        limits = [
            discount_room(line.net_satang, line.quantity, rules.get(line.variant.id))
            for _, line in lines
        ]
    amounts = split_discount(total, grosses, limits)
    applied.limited = sum(amounts) < total
    for (_, line), amount in zip(lines, amounts, strict=True):
        if amount:
            applied.lines[line.variant.id] = amount
    return applied


def _buyer_condition(user_id, email, phone):
    conditions = []
    if user_id is not None:
        conditions.append(DiscountRedemption.user_id == user_id)
    if email:
        conditions.append(DiscountRedemption.email_key == email_key(email))
    if phone:
        conditions.append(DiscountRedemption.phone_key == phone_key(phone))
    return or_(*conditions) if conditions else None


def check_buyer(code, *, user=None, email=None, phone=None, order_id=None):
    """DiscountError when this buyer used the code as often as allowed, or has ordered before
    (a first-order code)."""
    user_id = getattr(user, "id", None)
    if code.max_uses_per_buyer is not None:
        condition = _buyer_condition(user_id, email, phone)
        if condition is not None:
            used = db.session.scalar(
                select(func.count(DiscountRedemption.id)).where(
                    DiscountRedemption.code_id == code.id,
                    DiscountRedemption.status.in_(RedemptionStatus.COUNTED),
                    DiscountRedemption.order_id != (order_id or 0),
                    condition,
                )
            )
            if used >= code.max_uses_per_buyer:
                raise DiscountError(
                    gettext("You have already used the code %(code)s.", code=code.code), "code"
                )
    if code.first_order_only:
        conditions = []
        if user_id is not None:
            conditions.append(Order.user_id == user_id)
        if email:
            conditions.append(func.lower(Order.email) == email.strip().lower())
        if phone:
            conditions.append(Order.phone == phone_key(phone))
        if conditions:
            before = db.session.scalar(
                select(Order.id)
                .where(
                    or_(*conditions),
                    Order.status.in_((*_EVER_PAID, OrderStatus.PENDING_PAYMENT)),
                    Order.id != (order_id or 0),
                )
                .limit(1)
            )
            if before is not None:
                raise DiscountError(
                    gettext("The code %(code)s is for a first order only.", code=code.code),
                    "code",
                )


# -- redeeming -------------------------------------------------------------------------------


def _change_uses(code_id, held=0, used=0, need_room=False):
    """One conditional UPDATE of a code's counters; True if it was made."""
    statement = update(DiscountCode).where(DiscountCode.id == code_id)
    if held < 0:
        statement = statement.where(DiscountCode.uses_held >= -held)
    if used < 0:
        statement = statement.where(DiscountCode.uses_used >= -used)
    if need_room:
        statement = statement.where(
            DiscountCode.status == DiscountStatus.ACTIVE,
            or_(
                DiscountCode.max_uses.is_(None),
                DiscountCode.uses_held + DiscountCode.uses_used < DiscountCode.max_uses,
            ),
        )
    result = db.session.execute(
        statement.values(
            uses_held=DiscountCode.uses_held + held, uses_used=DiscountCode.uses_used + used
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def hold(applied, order, *, user=None, now=None):
    """Hold one use of the code for a placed (flushed) order: the DiscountRedemption, flushed.

    DiscountError when the code was used up (or paused) meanwhile, or this buyer
    reached their limit; the caller rolls back.
    """
    code = applied.code
    from ..database import begin_write

    begin_write(db.session)
    if not _change_uses(code.id, held=1, need_room=True):
        raise DiscountError(gettext("The code %(code)s is used up.", code=code.code), "code")
    # After the UPDATE: on PostgreSQL we hold the code's row lock, so this count sees every
    # redemption of the code committed before ours.
    check_buyer(code, user=user, email=order.email, phone=order.phone, order_id=order.id)
    redemption = DiscountRedemption(
        code_id=code.id,
        order_id=order.id,
        user_id=getattr(user, "id", None),
        email_key=email_key(order.email),
        phone_key=phone_key(order.phone),
        discount_satang=applied.lines_satang,
        shipping_discount_satang=applied.shipping_satang,
        created_at=now or _now(),
    )
    db.session.add(redemption)
    db.session.flush()
    db.session.expire(code, ["uses_held", "uses_used"])
    return redemption


def redemption_of(order):
    """The order's use of a code, or None."""
    if order.id is None:
        return None
    return db.session.scalar(
        select(DiscountRedemption).where(DiscountRedemption.order_id == order.id)
    )


def take_again(order):
    """A closed order is being paid after all: hold its code again; False if it is used up."""
    redemption = redemption_of(order)
    if redemption is None or redemption.status != RedemptionStatus.RELEASED:
        return True
    if not _change_uses(redemption.code_id, held=1, need_room=True):
        return False
    redemption.status = RedemptionStatus.HELD
    redemption.closed_at = None
    db.session.flush()
    return True


def sync_order(order, now=None):
    """Move the order's redemption to match the order: used when paid, released when closed
    unpaid, returned when refunded in full. Idempotent; flushes."""
    redemption = redemption_of(order)
    if redemption is None:
        return None
    now = now or _now()
    status = redemption.status
    if order.status in _PAID:
        if status == RedemptionStatus.RELEASED and not take_again(order):
            # Cannot happen through `orders.service` (a late payment takes the code again
            # before the order counts as paid); never count a use beyond the limit.
            log.error("order %s paid with its code's uses gone", order.reference)
            return redemption
        if redemption.status == RedemptionStatus.HELD:
            _change_uses(redemption.code_id, held=-1, used=1)
            redemption.status = RedemptionStatus.USED
            redemption.used_at = now
            redemption.closed_at = None
    elif order.status in _CLOSED:
        if status == RedemptionStatus.HELD:
            _change_uses(redemption.code_id, held=-1)
            redemption.status = RedemptionStatus.RELEASED
            redemption.closed_at = now
    elif order.status == OrderStatus.REFUNDED:
        if status == RedemptionStatus.USED:
            _change_uses(redemption.code_id, used=-1)
            redemption.status = RedemptionStatus.RETURNED
            redemption.closed_at = now
        elif status == RedemptionStatus.HELD:
            _change_uses(redemption.code_id, held=-1)
            redemption.status = RedemptionStatus.RELEASED
            redemption.closed_at = now
    db.session.flush()
    db.session.expire(redemption.code, ["uses_held", "uses_used"])
    return redemption


# -- issuing ---------------------------------------------------------------------------------


def _money(text, field, required=False):
    raw = clean_text(text or "", 40).replace(" ", "").replace(",", "").replace("฿", "")
    if not raw:
        if required:
            raise DiscountError(gettext("Enter an amount in baht, e.g. 50."), field)
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DiscountError(gettext("Enter an amount in baht, e.g. 50."), field) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:
        raise DiscountError(gettext("Enter an amount in baht, e.g. 50."), field)
    if value > 1_000_000:
        raise DiscountError(gettext("This amount is too high."), field)
    return int(value * 100)


def _count(text, field):
    raw = clean_text(text or "", 12).replace(",", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise DiscountError(gettext("Enter a whole number from 1, or leave it empty."), field)
    return int(raw)


def _day(text, field):
    raw = clean_text(text or "", 12)
    if not raw:
        return None
    try:
        return parse_ymd(raw)
    except NotADate:
        raise DiscountError(gettext("Enter a date as YYYY-MM-DD."), field) from None


@dataclass
class CodeValues:
    """A checked code's values, ready to store or preview."""

    kind: str
    value_bp: int = 0
    amount_satang: int = 0
    cap_satang: int | None = None
    min_spend_satang: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = None
    max_uses_per_buyer: int | None = None
    first_order_only: bool = False
    households_share_discount: bool = False
    claim_kind: str | None = None
    product_ids: list = field(default_factory=list)
    category_ids: list = field(default_factory=list)
    note: str = ""


def check_values(fields, group=None):
    """CodeValues from the form's plain strings, or DiscountError naming the field."""
    kind = (fields.get("kind") or "").strip()
    if kind not in DiscountKind.ALL:
        raise DiscountError(gettext("Choose what the code takes off."), "kind")
    values = CodeValues(kind=kind)
    if kind == DiscountKind.PERCENT:
        raw = clean_text(fields.get("percent") or "", 12).replace("%", "").strip()
        try:
            percent = Decimal(raw)
        except InvalidOperation:
            raise DiscountError(gettext("Enter a percentage, e.g. 10."), "percent") from None
        if not percent.is_finite() or not 0 < percent <= 100 or percent.as_tuple().exponent < -2:
            raise DiscountError(gettext("A percentage is more than 0 and at most 100."), "percent")
        values.value_bp = int(percent * 100)
        values.cap_satang = _money(fields.get("cap"), "cap") or None
    elif kind == DiscountKind.AMOUNT:
        values.amount_satang = _money(fields.get("amount"), "amount", required=True)
        if values.amount_satang <= 0:
            raise DiscountError(gettext("Enter an amount in baht, e.g. 50."), "amount")
    values.min_spend_satang = _money(fields.get("min_spend"), "min_spend") or 0
    starts_on = _day(fields.get("starts_on"), "starts_on")
    ends_on = _day(fields.get("ends_on"), "ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise DiscountError(gettext("The last day is before the first day."), "ends_on")
    if starts_on:
        values.starts_at = datetime.combine(starts_on, time(), BANGKOK).astimezone(UTC)
    if ends_on:
        values.ends_at = datetime.combine(ends_on + timedelta(days=1), time(), BANGKOK).astimezone(
            UTC
        )
    values.max_uses = _count(fields.get("max_uses"), "max_uses")
    values.max_uses_per_buyer = _count(fields.get("max_uses_per_buyer"), "max_uses_per_buyer")
    values.first_order_only = bool(fields.get("first_order_only"))
    values.households_share_discount = bool(fields.get("households_share_discount"))
    claim_kind = (fields.get("claim_kind") or "").strip()
    if claim_kind:
        if claim_kind not in ClaimKind.ALL:
            raise DiscountError(gettext("Choose a claim from the list."), "claim_kind")
        values.claim_kind = claim_kind
    product_ids = _ids(fields.get("product_ids"))
    if product_ids:
        query = select(Product.id).where(Product.id.in_(product_ids))
        if group is not None:
            query = query.where(Product.group_id == group.id)
        found = set(db.session.scalars(query))
        if found != set(product_ids):
            raise DiscountError(gettext("Choose products from the list."), "product_ids")
    values.product_ids = sorted(product_ids)
    values.category_ids = sorted(_ids(fields.get("category_ids")))
    values.note = clean_text(fields.get("note") or "", 200)
    return values


def _ids(raw):
    ids = set()
    for item in raw or ():
        try:
            value = int(item)
        except (TypeError, ValueError):
            raise DiscountError(gettext("Choose from the list.")) from None
        if not 0 < value < 2**31:
            raise DiscountError(gettext("Choose from the list."))
        ids.add(value)
    return ids


def _apply_values(code, values):
    for name in (
        "kind",
        "value_bp",
        "amount_satang",
        "cap_satang",
        "min_spend_satang",
        "starts_at",
        "ends_at",
        "max_uses",
        "max_uses_per_buyer",
        "first_order_only",
        "households_share_discount",
        "claim_kind",
        "note",
    ):
        setattr(code, name, getattr(values, name))
    code.targets = [DiscountTarget(product_id=i) for i in values.product_ids] + [
        DiscountTarget(category_id=i) for i in values.category_ids
    ]


def _code_taken(text):
    return db.session.scalar(select(DiscountCode.id).where(DiscountCode.code == text)) is not None


def create_code(group, text, values, actor=None):
    """Save a new code for `group` (None: the whole market): the DiscountCode, flushed."""
    text = normalize_code(text)
    if _code_taken(text):
        raise DiscountError(
            gettext("The code %(code)s is taken; choose another.", code=text), "code"
        )
    code = DiscountCode(
        code=text, group_id=getattr(group, "id", None), created_by_id=getattr(actor, "id", None)
    )
    _apply_values(code, values)
    try:
        with db.session.begin_nested():
            db.session.add(code)
            db.session.flush()
    except IntegrityError:
        raise DiscountError(
            gettext("The code %(code)s is taken; choose another.", code=text), "code"
        ) from None
    _audit(code, "created", actor)
    return code


def generate_batch(group, count, prefix, values, actor=None):
    """`count` new single-use codes `PREFIX-XXXXXX` sharing one batch name: the batch name."""
    prefix = (prefix or "").strip().upper()
    if prefix and not re.fullmatch(r"[A-Z0-9]{1,8}", prefix):
        raise DiscountError(gettext("A prefix is up to 8 letters (A–Z) and digits."), "prefix")
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise DiscountError(gettext("Make from 1 to %(n)d codes at a time.", n=MAX_BATCH), "count")
    batch = f"{prefix or 'B'}-{_now().astimezone(BANGKOK):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    values.max_uses = 1
    made = set()
    while len(made) < count:
        wanted = count - len(made)
        fresh = {(f"{prefix}-" if prefix else "") + _random_part() for _ in range(wanted)}
        taken = set(
            db.session.scalars(select(DiscountCode.code).where(DiscountCode.code.in_(fresh)))
        )
        made |= fresh - taken
    for text in sorted(made)[:count]:
        code = DiscountCode(
            code=text,
            group_id=getattr(group, "id", None),
            created_by_id=getattr(actor, "id", None),
            batch=batch,
        )
        _apply_values(code, values)
        db.session.add(code)
    db.session.flush()
    _audit(None, "batch", actor, group=getattr(group, "id", None), batch=batch, count=count)
    return batch


def _random_part():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def set_status(code, status, actor=None):
    """Pause, resume or end a code; an ended code stays ended. False if nothing changed."""
    if status not in DiscountStatus.ALL:
        raise DiscountError(gettext("Choose from the list."))
    if code.status == status:
        return False
    if code.status == DiscountStatus.ENDED:
        raise DiscountError(gettext("An ended code cannot be used again."))
    code.status = status
    db.session.flush()
    _audit(code, status, actor)
    return True


def _audit(code, what, actor, **details):
    from ..accounts.audit import AuditAction, audit

    if code is not None:
        details = dict(code=code.code, group=code.group_id, **details)
    audit(AuditAction.DISCOUNT_CODE_CHANGED, code, actor=actor, change=what, **details)


# -- reading ---------------------------------------------------------------------------------


def codes_of(group, include_batches=True):
    """The group's codes (None: the market's), newest first."""
    query = select(DiscountCode).order_by(DiscountCode.created_at.desc(), DiscountCode.id.desc())
    if group is None:
        query = query.where(DiscountCode.group_id.is_(None))
    else:
        query = query.where(DiscountCode.group_id == group.id)
    if not include_batches:
        query = query.where(DiscountCode.batch == "")
    return db.session.scalars(query).all()


def code_of(group, code_id):
    """The group's (None: the market's) code with this id, or None."""
    if not isinstance(code_id, int) or not 0 < code_id < 2**31:
        return None
    code = db.session.get(DiscountCode, code_id)
    if code is None or code.group_id != getattr(group, "id", None):
        return None
    return code


def batch_codes(group, batch):
    """The codes of one batch of the group (None: the market), in order."""
    return db.session.scalars(
        select(DiscountCode)
        .where(
            DiscountCode.batch == (batch or "")[:40],
            DiscountCode.batch != "",
            DiscountCode.group_id.is_(None) if group is None else DiscountCode.group_id == group.id,
        )
        .order_by(DiscountCode.code)
    ).all()


def batches_of(group):
    """[(batch, codes, used)] of the group's (None: market's) batches, newest first."""
    rows = db.session.execute(
        select(
            DiscountCode.batch,
            func.count(DiscountCode.id),
            func.sum(DiscountCode.uses_used),
            func.min(DiscountCode.created_at),
        )
        .where(
            DiscountCode.batch != "",
            DiscountCode.group_id.is_(None) if group is None else DiscountCode.group_id == group.id,
        )
        .group_by(DiscountCode.batch)
        .order_by(func.min(DiscountCode.created_at).desc())
    ).all()
    return [(batch, count, int(used or 0)) for batch, count, used, _ in rows]


@dataclass
class CodeStats:
    """What a code did: orders held and paid, what they paid, what households earned from them."""

    held: int = 0
    used: int = 0
    discount_satang: int = 0
    revenue_satang: int = 0
    households_satang: int = 0


def code_stats(code):
    """CodeStats from the code's paid orders (refunds taken off)."""
    stats = CodeStats(held=code.uses_held, used=code.uses_used)
    order_ids = db.session.scalars(
        select(DiscountRedemption.order_id).where(
            DiscountRedemption.code_id == code.id,
            DiscountRedemption.status == RedemptionStatus.USED,
        )
    ).all()
    if not order_ids:
        return stats
    totals = db.session.execute(
        select(
            func.coalesce(func.sum(Order.total_satang - Order.refunded_satang), 0),
            func.coalesce(func.sum(DiscountRedemption.discount_satang), 0),
            func.coalesce(func.sum(DiscountRedemption.shipping_discount_satang), 0),
        )
        .join(DiscountRedemption, DiscountRedemption.order_id == Order.id)
        .where(Order.id.in_(order_ids))
    ).one()
    stats.revenue_satang = int(totals[0])
    stats.discount_satang = int(totals[1]) + int(totals[2])
    from ..models import Fulfilment

    stats.households_satang = int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_satang), 0))
            .join(OrderLine, LedgerEntry.order_line_id == OrderLine.id)
            .join(Fulfilment, OrderLine.fulfilment_id == Fulfilment.id)
            .where(
                Fulfilment.order_id.in_(order_ids),
                LedgerEntry.account == LedgerAccount.HOUSEHOLD,
            )
        )
    )
    return stats


def households_preview(code_values, variants, at=None):
    """[(variant, price, households per unit without / with the discount, discount per unit)]
    for one unit of each variant: what the office shows before a code is saved."""
    from ..impact.share_rules import rules_in_force

    rules = rules_in_force({v.id for v in variants}, at or _now())
    rows = []
    for variant in variants:
        price = variant.price_satang
        rule = rules.get(variant.id)
        if code_values.kind == DiscountKind.PERCENT:
            off = price * code_values.value_bp // 10_000
            if code_values.cap_satang is not None:
                off = min(off, code_values.cap_satang)
        elif code_values.kind == DiscountKind.AMOUNT:
            off = min(code_values.amount_satang, price)
        else:
            off = 0
        before = households_part(price, 1, rule)
        if code_values.households_share_discount:
            off = min(off, price)
            after = households_part(price - off, 1, rule) if rule else 0
        else:
            off = min(off, discount_room(price, 1, rule))
            after = before
        rows.append(
            dict(
                variant=variant,
                price=price,
                has_rule=rule is not None,
                before=before,
                after=after,
                off=off,
            )
        )
    return rows


def code_url(code):
    """The absolute shareable link that applies a code: /c/<CODE>."""
    from flask import current_app

    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/c/{code.code}"


def code_share_links(code):
    """LINE, Facebook and copy-link addresses of a code's link, tagged so its orders show
    under their channel on the sales dashboard."""
    from . import cards
    from .share import FACEBOOK_SHARE, LINE_SHARE, ShareLinks

    path = f"/c/{code.code}"
    campaign = f"code_{code.code.lower()}"

    def tagged(source, medium):
        return cards.public_url(path, utm_source=source, utm_medium=medium, utm_campaign=campaign)

    line_url = tagged("line", "social")
    return ShareLinks(
        line=f"{LINE_SHARE}?{urlencode({'url': line_url})}",
        facebook=f"{FACEBOOK_SHARE}?{urlencode({'u': tagged('facebook', 'social')})}",
        copy=tagged("share", "link"),
        line_copy=line_url,
        title=code.code,
    )


@dataclass(frozen=True)
class OrderDiscount:
    """The code an order used, and what it took off its products and its shipping."""

    code: str
    group_id: int | None
    lines_satang: int
    shipping_satang: int

    def waived_shipping_of(self, fulfilment):
        """True when this part's shipping is free because of the code."""
        return (
            self.shipping_satang > 0
            and fulfilment.shipping_satang == 0
            and fulfilment.delivery_method != "pickup"
            and self.group_id in (None, fulfilment.group_id)
        )


def order_discount(order):
    """The OrderDiscount of an order placed with a code, or None (for pages and mails)."""
    redemption = redemption_of(order)
    if redemption is None:
        return None
    return OrderDiscount(
        code=redemption.code.code,
        group_id=redemption.code.group_id,
        lines_satang=redemption.discount_satang,
        shipping_satang=redemption.shipping_discount_satang,
    )


def batch_csv(codes):
    """A batch's codes as CSV text (code, link, status, uses), written by the app's safe writer."""
    import io

    from ..csv_export import SafeWriter

    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["code", "link", "status", "used"])
    for code in codes:
        writer.writerow([code.code, code_url(code), code.status, code.uses_used])
    return "\ufeff" + buffer.getvalue()  # the BOM lets spreadsheet programs read Thai


def batch_qr_sheet(codes, heading):
    """A4 PDF (bytes), 24 codes a page: each a QR code of its link, the code and `heading`."""
    from . import labels

    sheet = labels.SHEET_FORMATS["a4-3x8"]
    pdf = labels._new_pdf(sheet)
    pdf.set_title("Discount codes")
    try:
        for index, code in enumerate(codes):
            slot = index % sheet.per_page
            if slot == 0:
                pdf.add_page()
            x, y = sheet.origin(slot)
            size = sheet.label_height - 2 * sheet.padding
            labels._draw_qr(
                pdf, labels.qr_shape(code_url(code)), x + sheet.padding, y + sheet.padding, size
            )
            left = x + sheet.padding + size + 1.5
            width = sheet.label_width - (left - x) - sheet.padding
            # Thai breaks between words (labels.wrap), never inside one as multi_cell would.
            pdf.set_font(labels.FAMILY, "", 7)
            heading_lines, _fits = labels.wrap(heading[:80], width, pdf.get_string_width)
            for n, line in enumerate(heading_lines[:2]):
                pdf.set_xy(left, y + sheet.padding + 2 + n * 3.4)
                pdf.cell(width, 3.4, line)
            pdf.set_xy(left, y + sheet.label_height / 2 + 2)
            pdf.set_font(labels.FAMILY, "B", 9)
            pdf.cell(width, 5, code.code)
        return bytes(pdf.output())
    finally:
        labels.close_fonts(pdf)
