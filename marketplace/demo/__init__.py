"""Demo data: fills an empty database with producer groups, products, lots, households and claims.

`flask demo load` calls `load_demo()`, which only flushes; the command commits.
The catalogue itself lives in `data.py`, the product photos are drawn by
`photos.py`. Everything is seeded, so two loads give the same rows (apart from
generated image keys), and nothing is downloaded.

Choices worth knowing:

- Claims are verified without a `verified_by` officer: the demo creates no
  accounts, so it hands out no known password.
- The catalogue is written for 6 Dec 2026 and moved, whole months at a time,
  to the day it loads (`dates.py`): harvests, surveys, certificates, share
  rules and the notes that name a month. Certificates meant to be current get
  end dates counted from the day of loading; one PGS certificate ends
  yesterday, so the storefront always has a verified claim that shows as expired.
- A year of sales is placed through the real checkout and paid through
  `orders.service.mark_paid` with backdated times, so the ledger is posted
  by the same code as real sales (see `ledger.py` here); share rules, raw
  material bought from households, wages and payouts fill in the rest. Orders
  older than a few days were packed, sent and delivered on their way; only the
  last few days' orders wait in the office, as a group's would.
- Personal data of households is invented; `registry_ref_hash` is the SHA-256
  of a fake, deliberately invalid ID number (Thai IDs never start with 0).
"""

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from .. import areas
from ..catalog.images import add_product_image
from ..extensions import db
from ..i18n import bangkok_today
from ..models import (
    Category,
    Claim,
    ClaimStatus,
    Household,
    HouseholdAssessment,
    HouseholdPersonal,
    LedgerEntry,
    Lot,
    LotContribution,
    Order,
    PovertyClass,
    ProducerGroup,
    Product,
    ProductImage,
    ShareRule,
    Variant,
)
from . import data, photos
from . import ledger as ledger_demo
from .dates import Calendar

SEED = 2569
BANK = "ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร (ธ.ก.ส.)"
CONSENT_NOTE = (
    "ยินยอมเป็นลายลักษณ์อักษรให้กลุ่มใช้ข้อมูลรายได้เพื่อรายงานต่อหน่วยงาน (ข้อมูลสาธิต) / "
    "Written consent to use income data in agency reports (demo data)"
)

# Annual income per household member, in baht, for each poverty class.
INCOME_PER_MEMBER = {
    PovertyClass.STRUGGLING: (14_000, 24_000),
    PovertyClass.DIFFICULT: (24_000, 38_000),
    PovertyClass.GETTING_BY: (38_000, 60_000),
    PovertyClass.WELL_OFF: (60_000, 110_000),
}
# How many of the five TPMAP dimensions a household of each class lacks.
DEPRIVATIONS = {
    PovertyClass.STRUGGLING: (2, 4),
    PovertyClass.DIFFICULT: (1, 2),
    PovertyClass.GETTING_BY: (0, 1),
    PovertyClass.WELL_OFF: (0, 0),
}
DIMENSIONS = ("health", "living", "education", "access")


class DemoNotEmpty(Exception):
    """The database already has producer groups; the demo loads only into an empty one."""


def load_demo(today=None):
    """Fill an empty database with demo data and return a count of what was added.

    Raises DemoNotEmpty when any producer group exists. Flushes, never commits.
    """
    if db.session.scalar(select(ProducerGroup.id).limit(1)) is not None:
        raise DemoNotEmpty()
    loader = _Loader(today or bangkok_today())
    loader.load()
    return loader.summary()


class _Loader:
    """Builds the demo rows in order: categories, groups, households, products, photos."""

    def __init__(self, today):
        self.today = today
        self.calendar = Calendar(today)
        self.rng = random.Random(SEED)
        self.categories = {}
        self.household_numbers = {}
        self.head_names = set()
        self.lot_numbers = {}
        self.photo_jobs = []
        self.trajectory = 0
        self.groups = {}  # slug → (group, its households)
        self.products = {}  # slug → (group, product)
        self.lots = []

    def load(self):
        for position, (slug, name_th, name_en) in enumerate(data.CATEGORIES):
            category = Category(slug=slug, name_th=name_th, name_en=name_en, position=position)
            db.session.add(category)
            self.categories[slug] = category
        for spec in data.GROUPS:
            self.add_group(spec)
        db.session.flush()
        ledger_demo.add_ledger(self)
        self.add_photos()

    def summary(self):
        """Row counts of everything the demo touches."""
        counted = {
            "categories": Category,
            "groups": ProducerGroup,
            "products": Product,
            "variants": Variant,
            "lots": Lot,
            "images": ProductImage,
            "households": Household,
            "assessments": HouseholdAssessment,
            "contributions": LotContribution,
            "claims": Claim,
            "share rules": ShareRule,
            "orders": Order,
            "ledger entries": LedgerEntry,
        }
        return {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in counted.items()
        }

    # --- places ------------------------------------------------------------

    @staticmethod
    def area(spec):
        """Subdistrict, district and province codes of a group, checked against GeoThai."""
        code = spec["subdistrict_code"]
        subdistrict = areas.subdistrict(code)
        if subdistrict is None or spec["postal_code"] not in subdistrict.postal_codes:
            raise ValueError(f"demo group {spec['slug']}: unknown area {code}")
        return {
            "subdistrict_code": subdistrict.code,
            "district_code": subdistrict.district_code,
            "province_code": subdistrict.province_code,
        }

    def place(self, spec, village_index):
        village, moo = spec["villages"][village_index]
        return dict(village=village, moo=moo, **self.area(spec))

    # --- groups and households ---------------------------------------------

    def add_group(self, spec):
        group = ProducerGroup(
            slug=spec["slug"],
            name_th=spec["name_th"],
            name_en=spec["name_en"],
            story_th=spec["story_th"],
            story_en=spec["story_en"],
            kind=spec["kind"],
            registration_no=spec["registration_no"],
            postal_code=spec["postal_code"],
            email=spec["email"],
            line_id=spec["line_id"],
            phone=spec["phone"],
            promptpay_id=spec["promptpay_id"],
            payout_bank=BANK,
            payout_account_no=spec["payout_account_no"],
            payout_account_name=spec["name_th"],
            founded_year=spec["founded_year"],
            is_featured=spec["featured"],
            **self.place(spec, 0),
        )
        db.session.add(group)
        for claim in spec.get("claims", ()):
            self.add_claim(claim, group=group)
        households = [self.add_household(spec, group) for _ in range(spec["households"])]
        for product in spec["products"]:
            self.add_product(spec, group, product, households)
        self.groups[spec["slug"]] = (group, households)

    def add_household(self, spec, group):
        rng = self.rng
        prefix = spec["household_prefix"]
        number = self.household_numbers.get(prefix, 0) + 1
        self.household_numbers[prefix] = number
        # Most households live in the group's main village.
        weights = [3] + [1] * (len(spec["villages"]) - 1)
        village = rng.choices(range(len(spec["villages"])), weights)[0]
        household = Household(code=f"{prefix}-{number:04d}", **self.place(spec, village))
        household.groups.append(group)
        names = spec["names"]
        head_name = None
        while head_name is None or head_name in self.head_names:
            head_name = f"{rng.choice(names['given'])} {rng.choice(names['family'])}"
        self.head_names.add(head_name)
        fake_id = f"0{rng.randrange(10**12):012d}"
        household.personal = HouseholdPersonal(
            head_name=head_name,
            registry_ref_hash=hashlib.sha256(fake_id.encode()).hexdigest(),
            consent_on=self.calendar.date(date(2025, 2, rng.randint(1, 28))),
            consent_note=CONSENT_NOTE,
        )
        db.session.add(household)
        self.add_assessments(household)
        return household

    def add_assessments(self, household):
        rng = self.rng
        baseline, follow_up = data.TRAJECTORIES[self.trajectory % len(data.TRAJECTORIES)]
        self.trajectory += 1
        members = rng.randint(2, 6)
        moved = self.calendar.date
        surveys = [(moved(date(2025, 3, rng.randint(1, 28))), baseline, "tpmap_2568")]
        if follow_up:
            surveys.append(
                (moved(date(2026, 3, rng.randint(1, 28))), follow_up, "group_survey_2569")
            )
        for assessed_on, poverty_class, source in surveys:
            low, high = INCOME_PER_MEMBER[poverty_class]
            income_baht = round(rng.uniform(low, high) * members, -2)
            low, high = DEPRIVATIONS[poverty_class]
            lacking = set(rng.sample(DIMENSIONS, rng.randint(low, high)))
            db.session.add(
                HouseholdAssessment(
                    household=household,
                    assessed_on=assessed_on,
                    members=members,
                    annual_income_satang=int(income_baht) * 100,
                    poverty_class=poverty_class,
                    deprived_income=poverty_class
                    in (PovertyClass.STRUGGLING, PovertyClass.DIFFICULT),
                    deprived_health="health" in lacking,
                    deprived_living="living" in lacking,
                    deprived_education="education" in lacking,
                    deprived_access="access" in lacking,
                    source=source,
                )
            )

    # --- products, variants, lots ------------------------------------------

    def add_product(self, group_spec, group, spec, households):
        first_batch = self.calendar.date(min(batch[0] for batch in spec["batches"]))
        product = Product(
            group=group,
            category=self.categories[spec["category"]],
            slug=spec["slug"],
            name_th=spec["name_th"],
            name_en=spec["name_en"],
            summary_th=spec["summary_th"],
            summary_en=spec["summary_en"],
            description_th=spec["description_th"],
            description_en=spec["description_en"],
            is_featured=spec.get("featured", False),
            created_at=datetime.combine(first_batch, time(3, 0), tzinfo=UTC),
        )
        db.session.add(product)
        self.products[spec["slug"]] = (group, product)
        for claim in spec.get("claims", ()):
            self.add_claim(claim, product=product)
        lots = {}
        for position, (suffix, label_th, label_en, price, grams, lot_rows) in enumerate(
            spec["variants"]
        ):
            variant = Variant(
                product=product,
                sku=f"{group_spec['code']}-{spec['code']}-{suffix}",
                label_th=label_th,
                label_en=label_en,
                price_satang=price,
                weight_grams=grams,
                position=position,
            )
            db.session.add(variant)
            for batch_index, quantity, available in lot_rows:
                lot = self.add_lot(group_spec, spec, variant, batch_index, quantity, available)
                self.add_contributions(spec, lot, grams, households)
                lots[suffix, batch_index] = lot
                self.lots.append(lot)
        for suffix, batch_index, claim in spec.get("lot_claims", ()):
            self.add_claim(claim, lot=lots[suffix, batch_index])
        for index, (scene, options, alt_th, alt_en) in enumerate(spec["photos"]):
            self.photo_jobs.append(
                (product, scene, f"{spec['slug']}/{index}", options, alt_th, alt_en)
            )

    def add_lot(self, group_spec, spec, variant, batch_index, quantity, available):
        produced_on, village, note_th, note_en = spec["batches"][batch_index]
        produced_on = self.calendar.date(produced_on)
        note_th, note_en = self.calendar.text(note_th), self.calendar.text(note_en)
        prefix = f"{group_spec['code']}-{spec['code']}-{produced_on:%y%m}"
        number = self.lot_numbers.get(prefix, 0) + 1
        self.lot_numbers[prefix] = number
        lot = Lot(
            variant=variant,
            code=f"{prefix}-{number:02d}",
            kind=spec["kind"],
            produced_on=produced_on,
            quantity=quantity,
            available=available,
            notes_th=note_th,
            notes_en=note_en,
            **self.place(group_spec, village),
        )
        db.session.add(lot)
        return lot

    def add_contributions(self, spec, lot, grams, households):
        """2–8 households per lot: the main role (growers, weavers …) and maybe a second one."""
        rng = self.rng
        if spec["unit"] == "kg":
            total = max(8, round(lot.quantity * grams / 1000 * spec.get("yield", 1)))
        else:
            total = lot.quantity
        makers = rng.sample(households, min(rng.randint(2, 6), len(households), total))
        for household, amount in zip(makers, _split(rng, total, len(makers)), strict=True):
            lot.contributions.append(
                LotContribution(
                    household=household, role=spec["role"], quantity=amount, unit=spec["unit"]
                )
            )
        if spec.get("extra_role"):
            helpers = rng.sample(households, min(rng.randint(1, 2), total))
            for household, amount in zip(helpers, _split(rng, total, len(helpers)), strict=True):
                lot.contributions.append(
                    LotContribution(
                        household=household,
                        role=spec["extra_role"],
                        quantity=amount,
                        unit=spec["unit"],
                    )
                )

    # --- claims --------------------------------------------------------------

    def add_claim(self, spec, **subject):
        valid_until = spec.get("valid_until")
        if valid_until == data.YESTERDAY:
            valid_until = self.today - timedelta(days=1)
        elif isinstance(valid_until, timedelta):
            valid_until = self.today + valid_until
        else:
            valid_until = self.calendar.date(valid_until)
        claim = Claim(
            kind=spec["kind"],
            status=spec["status"],
            issuer=spec["issuer"],
            certificate_no=spec.get("certificate_no", ""),
            valid_from=self.calendar.date(spec.get("valid_from")),
            valid_until=valid_until,
            details_th=spec.get("details_th", ""),
            details_en=spec.get("details_en", ""),
            decision_reason=spec.get("decision_reason", ""),
            verified_at=self.calendar.date(spec.get("verified_at")),
            **subject,
        )
        if claim.status in (ClaimStatus.SELF_DECLARED, ClaimStatus.PENDING):
            claim.verified_at = None
        db.session.add(claim)
        return claim

    # --- photos --------------------------------------------------------------

    def add_photos(self):
        """Draw the photos on two threads (Pillow releases the GIL) while storing in order."""

        def draw(job):
            _, scene, seed, options, _, _ = job
            return photos.photo_bytes(scene, seed, **options)

        with ThreadPoolExecutor(max_workers=2) as pool:
            for job, jpeg in zip(self.photo_jobs, pool.map(draw, self.photo_jobs), strict=True):
                product, _, _, _, alt_th, alt_en = job
                add_product_image(product, jpeg, alt_th=alt_th, alt_en=alt_en, sizes_now=True)


def _split(rng, total, parts):
    """Split a positive total into `parts` positive integers of uneven size."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    shares = [1 + int(w * scale) for w in weights]
    shares[0] += total - sum(shares)
    return shares
