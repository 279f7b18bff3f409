"""Share rules: how a product's (or one variant's) sales divide between households, fund, platform.

Decided here:
- A rule is never edited: saving makes the next version for the same product
  (or variant), in force from `effective_from` (now, or the start of a later
  day in Thailand's time). A rule cannot reach back: sales already paid keep
  the rule they were posted with.
- The rule in force for a variant at a moment: the variant's own newest rule
  that had started by then; only when the variant has none, the product's.
  A variant's own rule beats the product's even when the product's is newer.
- Validation: roles are ContributionRole codes, each once; percents have at
  most two decimals; percents plus the platform fee are at most 100% of net;
  fixed amounts per unit plus the percents must fit in the current price of
  every variant the rule covers (a discount later only scales fixed parts down,
  see `ledger`). A rule needs at least one household part.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..catalog import service as catalog
from ..extensions import db
from ..i18n import BANGKOK, format_baht
from ..models import ContributionRole, ShareBasis, ShareRule, ShareRulePart, Variant
from .ledger import GROUP_FUND, PLATFORM, Part, split_portion

NOT_PAID = ""  # the form's "this role gets no part" choice
MAX_PER_UNIT_SATANG = 1_000_000_00


class ShareRuleError(Exception):
    """A share rule's value is wrong; `field` names the form field when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _aware(moment):
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# -- parsing ---------------------------------------------------------------------------------


def _decimal(text, field, message):
    raw = clean_text(text or "", 40).replace(" ", "").replace(",", "").replace("%", "")
    raw = raw.replace("฿", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ShareRuleError(message, field=field) from None
    if not value.is_finite():
        raise ShareRuleError(message, field=field)
    return value


def parse_percent(text, field):
    """'60', '7.25 %' → basis points (6000, 725); ShareRuleError unless 0–100 with ≤ 2 decimals."""
    value = _decimal(text, field, gettext("Enter a percentage, e.g. 60 or 7.5."))
    if value < 0 or value > 100:
        raise ShareRuleError(gettext("A percentage is from 0 to 100."), field=field)
    if value.as_tuple().exponent < -2:
        raise ShareRuleError(gettext("A percentage has at most two decimals."), field=field)
    return int(value * 100)


def parse_amount(text, field):
    """Baht per unit as typed ('5', '2.50') → satang; ShareRuleError unless ≥ 0, ≤ 2 decimals."""
    value = _decimal(text, field, gettext("Enter an amount in baht, e.g. 5 or 2.50."))
    if value < 0:
        raise ShareRuleError(gettext("The amount cannot be negative."), field=field)
    if value.as_tuple().exponent < -2:
        raise ShareRuleError(gettext("An amount has at most two decimals (satang)."), field=field)
    satang = int(value * 100)
    if satang > MAX_PER_UNIT_SATANG:
        raise ShareRuleError(gettext("This amount is too high."), field=field)
    return satang


@dataclass
class RuleValues:
    """A checked rule, ready to store or preview."""

    parts: list  # [Part]
    platform_fee_bp: int
    effective_from: datetime
    note: str


def check_values(fields, prices=(), now=None):
    """RuleValues from plain strings, or ShareRuleError naming the first bad field.

    `fields`: parts = [{role, basis, value}] (basis "" skips the row),
    platform_fee (percent), effective_on (YYYY-MM-DD, optional), note.
    `prices`: current prices (satang) of the variants the rule covers.
    """
    now = _aware(now or datetime.now(UTC))
    parts, seen = [], set()
    for index, row in enumerate(fields.get("parts") or ()):
        basis = (row.get("basis") or "").strip()
        field = f"parts-{index}-value"
        if basis == NOT_PAID:
            continue
        role = (row.get("role") or "").strip()
        if role not in ContributionRole.ALL:
            raise ShareRuleError(
                gettext("Choose a role from the list."), field=f"parts-{index}-role"
            )
        if role in seen:
            raise ShareRuleError(
                gettext("Each role can have only one part."), field=f"parts-{index}-role"
            )
        seen.add(role)
        if basis == ShareBasis.PERCENT:
            value = parse_percent(row.get("value"), field)
        elif basis == ShareBasis.PER_UNIT:
            value = parse_amount(row.get("value"), field)
        else:
            raise ShareRuleError(
                gettext("Choose how this role is paid."), field=f"parts-{index}-basis"
            )
        if value == 0:
            raise ShareRuleError(
                gettext("Enter more than zero, or choose “no part” for this role."), field=field
            )
        parts.append(Part(role, basis, value))
    if not parts:
        raise ShareRuleError(gettext("Give at least one role of households a part of the sale."))
    fee_text = (fields.get("platform_fee") or "").strip()
    platform_fee_bp = parse_percent(fee_text, "platform_fee") if fee_text else 0
    percent_bp = sum(p.value for p in parts if p.basis == ShareBasis.PERCENT)
    if percent_bp + platform_fee_bp > 10_000:
        raise ShareRuleError(
            gettext(
                "The percentages and the platform fee add up to %(total)s%%, more than 100%% "
                "of the sale.",
                total=_percent_text(percent_bp + platform_fee_bp),
            )
        )
    per_unit = sum(p.value for p in parts if p.basis == ShareBasis.PER_UNIT)
    for price in prices:
        room = price * (10_000 - percent_bp - platform_fee_bp)
        if per_unit * 10_000 > room:
            raise ShareRuleError(
                gettext(
                    "At the price of %(price)s, the fixed amounts per unit (%(fixed)s) do not fit "
                    "beside the percentages.",
                    price=format_baht(price),
                    fixed=format_baht(per_unit),
                )
            )
    effective_from = _effective_from(fields.get("effective_on"), now)
    note = clean_text(fields.get("note") or "")
    if len(note) > 300:
        raise ShareRuleError(gettext("The note is too long."), field="note")
    return RuleValues(parts, platform_fee_bp, effective_from, note)


def _percent_text(bp):
    whole, rest = divmod(bp, 100)
    return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


def _effective_from(text, now):
    """Now for an empty date or today; the start of a later day in Thailand's time."""
    text = clean_text(text or "", 20)
    today = now.astimezone(BANGKOK).date()
    if not text:
        return now
    try:
        year, month, day = (int(part) for part in text.split("-"))
        if year > 2400:
            year -= 543
        chosen = date(year, month, day)
    except ValueError:
        raise ShareRuleError(
            gettext("Write the date as YYYY-MM-DD, e.g. 2569-06-01 or 2026-06-01."),
            field="effective_on",
        ) from None
    if chosen < today:
        raise ShareRuleError(
            gettext("A new rule cannot change sales already made: choose today or a later day."),
            field="effective_on",
        )
    if chosen == today:
        return now
    if chosen.year > today.year + 5:
        raise ShareRuleError(gettext("Choose a day within five years."), field="effective_on")
    return datetime.combine(chosen, time(0, 0), tzinfo=BANGKOK).astimezone(UTC)


# -- lookups ---------------------------------------------------------------------------------


def target(group, product_id, variant_id=None):
    """(product, variant or None) of `group`; catalog.NotFound otherwise (the view answers 404)."""
    product = catalog.get_product(group, product_id)
    variant = None
    if variant_id is not None:
        variant = catalog.get_variant(group, variant_id)
        if variant.product_id != product.id:
            raise catalog.NotFound()
    return product, variant


def covered_variants(product, variant=None):
    """The variants a rule for `product` (or only `variant`) would apply to now."""
    if variant is not None:
        return [variant]
    own = set(
        db.session.scalars(
            select(ShareRule.variant_id).where(
                ShareRule.product_id == product.id, ShareRule.variant_id.is_not(None)
            )
        )
    )
    return [v for v in product.variants if v.id not in own]


def rule_versions(product, variant=None):
    """Every version of the rule for the product (or one variant), newest first."""
    condition = (
        ShareRule.variant_id == variant.id
        if variant is not None
        else ShareRule.variant_id.is_(None)
    )
    return db.session.scalars(
        select(ShareRule)
        .where(ShareRule.product_id == product.id, condition)
        .order_by(ShareRule.version.desc())
    ).all()


def rules_in_force(variant_ids, at):
    """{variant_id: ShareRule} in force at `at` for each variant that has one."""
    at = _aware(at)
    variant_ids = set(variant_ids)
    if not variant_ids:
        return {}
    product_of = dict(
        db.session.execute(
            select(Variant.id, Variant.product_id).where(Variant.id.in_(variant_ids))
        ).all()
    )
    rules = db.session.scalars(
        select(ShareRule).where(
            or_(
                ShareRule.variant_id.in_(variant_ids),
                ShareRule.variant_id.is_(None) & ShareRule.product_id.in_(set(product_of.values())),
            )
        )
    ).all()
    best = {}
    for rule in rules:
        if _aware(rule.effective_from) > at:
            continue
        key = ("variant", rule.variant_id) if rule.variant_id else ("product", rule.product_id)
        rank = (_aware(rule.effective_from), rule.version)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, rule)
    result = {}
    for variant_id in variant_ids:
        found = best.get(("variant", variant_id)) or best.get(
            ("product", product_of.get(variant_id))
        )
        if found is not None:
            result[variant_id] = found[1]
    return result


def rule_in_force(variant, at=None):
    """The ShareRule in force for `variant` at `at` (default now), or None."""
    return rules_in_force([variant.id], at or datetime.now(UTC)).get(variant.id)


# -- saving -----------------------------------------------------------------------------------


def save_rule(group, product_id, fields, variant_id=None, user=None, now=None):
    """Save the next version of the rule for a product of `group` (or one of its variants).

    Raises catalog.NotFound for another group's product, ShareRuleError for bad
    values. Audited; flushes; returns the new ShareRule.
    """
    product, variant = target(group, product_id, variant_id)
    prices = [v.price_satang for v in covered_variants(product, variant)]
    values = check_values(fields, prices=prices, now=now)
    latest = db.session.scalar(
        select(func.max(ShareRule.version)).where(
            ShareRule.product_id == product.id,
            ShareRule.variant_id == variant.id
            if variant is not None
            else ShareRule.variant_id.is_(None),
        )
    )
    rule = ShareRule(
        group_id=group.id,
        product_id=product.id,
        variant_id=variant.id if variant is not None else None,
        version=(latest or 0) + 1,
        effective_from=values.effective_from,
        platform_fee_bp=values.platform_fee_bp,
        note=values.note,
        created_by_id=getattr(user, "id", None),
        created_at=_aware(now or datetime.now(UTC)),
        parts=[ShareRulePart(role=p.role, basis=p.basis, value=p.value) for p in values.parts],
    )
    try:
        with db.session.begin_nested():
            db.session.add(rule)
    except IntegrityError as error:
        # Someone saved the same version of this rule a moment ago (the unique indexes).
        raise ShareRuleError(
            gettext(
                "Someone else saved this share rule at the same moment. "
                "Look at the newest version and save again."
            )
        ) from error
    audit(
        AuditAction.SHARE_RULE_SAVED,
        rule,
        product=product.id,
        variant=variant.id if variant is not None else None,
        version=rule.version,
        parts=[f"{p.role}:{p.basis}:{p.value}" for p in values.parts],
        platform_fee_bp=values.platform_fee_bp,
    )
    return rule


# -- preview and overview ---------------------------------------------------------------------


@dataclass
class PreviewRow:
    """Where one unit's money goes at a price: a role, the group fund or the platform."""

    key: str  # a ContributionRole code, GROUP_FUND or PLATFORM
    satang: int


def preview(parts, platform_fee_bp, price_satang):
    """[PreviewRow] for one unit sold at `price_satang`, as if every role had contributors."""
    amounts = split_portion(price_satang, 1, parts, platform_fee_bp)
    rows = [PreviewRow(p.role, amounts[p.role]) for p in parts]
    rows.append(PreviewRow(GROUP_FUND, amounts[GROUP_FUND]))
    rows.append(PreviewRow(PLATFORM, amounts[PLATFORM]))
    return rows


def preview_table(parts, platform_fee_bp, variants):
    """[(variant, [PreviewRow])] for each variant at its current price."""
    return [(v, preview(parts, platform_fee_bp, v.price_satang)) for v in variants]


@dataclass
class ProductRules:
    """A product's rules as the overview shows them."""

    product: object
    product_rule: object  # ShareRule in force for the product, or None
    variant_rules: list  # [(variant, ShareRule in force or None, own: bool)]
    versions: int  # how many versions were ever saved, product and variants


def group_overview(group, now=None):
    """[ProductRules] for every product of the group (newest first, as the products page)."""
    now = now or datetime.now(UTC)
    products = catalog.group_products(group)
    in_force = rules_in_force([v.id for p in products for v in p.variants], now)
    counts = dict(
        db.session.execute(
            select(ShareRule.product_id, func.count())
            .where(ShareRule.group_id == group.id)
            .group_by(ShareRule.product_id)
        ).all()
    )
    result = []
    for product in products:
        rows = []
        for variant in product.variants:
            rule = in_force.get(variant.id)
            rows.append((variant, rule, rule is not None and rule.variant_id == variant.id))
        result.append(
            ProductRules(
                product, product_rule_in_force(product, now), rows, counts.get(product.id, 0)
            )
        )
    return result


def product_rule_in_force(product, at=None):
    """The product-wide rule (not a variant's own) in force at `at`, or None."""
    at = _aware(at or datetime.now(UTC))
    started = [r for r in rule_versions(product) if _aware(r.effective_from) <= at]
    return max(started, key=lambda r: (_aware(r.effective_from), r.version), default=None)
