"""Bulk product import from a CSV upload: every row checked, then all created or none.

One row per variant (size); rows sharing a `product_slug` are the sizes of one
new product and must agree on the product's columns. The rules are the ones
of the product and variant forms (`service` checks the values, the price goes
through `parse_price` to exact satang), plus what only a file can get wrong:
a slug or SKU given twice in the file, or already used by any group's product.
Problems come back as `CsvImportError`, each with its line; nothing is written
unless every row is right. Functions `flush()`; the request commits once.
"""

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..csv_import import CsvImportError, CsvProblem, read_rows, template_bytes
from ..extensions import db
from ..models import Category, Product, ProductStatus, Variant
from . import service
from .service import CatalogError

PRODUCT_COLUMNS = (
    "name_th",
    "name_en",
    "summary_th",
    "summary_en",
    "description_th",
    "description_en",
    "category",
    "status",
)
VARIANT_COLUMNS = ("variant_label_th", "variant_label_en", "sku", "price_baht", "weight_grams")
IMPORT_COLUMNS = ("product_slug", *PRODUCT_COLUMNS, *VARIANT_COLUMNS)
IMPORT_REQUIRED = ("product_slug", "name_th", "variant_label_th", "sku", "price_baht")
IMPORT_STATUSES = (ProductStatus.DRAFT, ProductStatus.ACTIVE)
IMPORT_MAX_BYTES = 512 * 1024
IMPORT_MAX_ROWS = 500

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80


@dataclass
class _NewProduct:
    """A product of the file: its first line, its checked fields and its sizes' lines."""

    line: int
    row: dict
    fields: dict | None = None
    variants: list = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    """What an import created."""

    products: list
    variants: int


def _problem(line, message):
    return CsvProblem(line, str(message))


def _normalized(row):
    """The row with the values compared or looked up case-insensitively normalised."""
    return dict(
        row,
        product_slug=row.get("product_slug", "").lower(),
        category=row.get("category", "").lower(),
        status=row.get("status", "").lower(),
        sku=row.get("sku", "").upper(),
    )


def _check_slug(slug, taken):
    """A gettext message when `slug` cannot name a new product, else None."""
    if not slug:
        return gettext("Enter the product slug.")
    if len(slug) > SLUG_MAX_LENGTH or not SLUG.fullmatch(slug):
        return gettext(
            "A product slug is up to %(n)d lowercase letters, digits and single hyphens, "
            "e.g. jasmine-rice.",
            n=SLUG_MAX_LENGTH,
        )
    if slug in taken:
        return gettext("The product slug %(slug)s is already used; choose another.", slug=slug)
    return None


def _product_fields(row, categories):
    """The fields `service.create_product` takes, checked; CatalogError if one is wrong."""
    status = row["status"] or ProductStatus.DRAFT
    if status not in IMPORT_STATUSES:
        raise CatalogError(
            gettext("The status is one of: %(statuses)s.", statuses=", ".join(IMPORT_STATUSES))
        )
    category_id = None
    if row["category"]:
        category_id = categories.get(row["category"])
        if category_id is None:
            raise CatalogError(
                gettext(
                    "There is no category %(slug)s. The categories are: %(slugs)s.",
                    slug=row["category"],
                    slugs=", ".join(sorted(categories)) or "-",
                )
            )
    fields = {name: row.get(name, "") for name in PRODUCT_COLUMNS if name != "category"}
    fields.update(status=status, category_id=category_id)
    service.checked_product_values(fields)  # the product form's rules: raises CatalogError
    return fields


def _variant_fields(row):
    """The fields `service.create_variant` takes, checked; CatalogError if one is wrong."""
    fields = {
        "sku": row["sku"],
        "label_th": row.get("variant_label_th", ""),
        "label_en": row.get("variant_label_en", ""),
        "price": row.get("price_baht", ""),
        "weight_grams": row.get("weight_grams", ""),
        "is_active": True,
    }
    fields["sku"] = service.checked_variant_values(fields)["sku"]  # the variant form's rules
    return fields


def _taken(column, values):
    """Which of `values` a row of `column` already holds, in any group."""
    if not values:
        return set()
    return set(db.session.scalars(select(column).where(column.in_(sorted(values)))))


def check_rows(rows):
    """{slug: _NewProduct} for rows that are all right, or CsvImportError listing every bad one."""
    rows = [(line, _normalized(row)) for line, row in rows]
    taken_slugs = _taken(Product.slug, {row["product_slug"] for _, row in rows})
    taken_skus = _taken(Variant.sku, {row["sku"] for _, row in rows})
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    problems = []
    products = {}
    skus_in_file = {}
    for line, row in rows:
        slug = row["product_slug"]
        product = products.get(slug)
        if product is None:
            message = _check_slug(slug, taken_slugs)
            if message:
                problems.append(_problem(line, message))
                continue
            product = products[slug] = _NewProduct(line, row)
            try:
                product.fields = _product_fields(row, categories)
            except CatalogError as error:
                problems.append(_problem(line, error.message))
                continue
        else:
            differing = [name for name in PRODUCT_COLUMNS if row.get(name) != product.row.get(name)]
            if differing:
                problems.append(
                    _problem(
                        line,
                        gettext(
                            "The product %(slug)s has other values in %(columns)s than on line "
                            "%(other)d; the rows of one product must agree.",
                            slug=slug,
                            columns=", ".join(differing),
                            other=product.line,
                        ),
                    )
                )
                continue
        try:
            fields = _variant_fields(row)
        except CatalogError as error:
            problems.append(_problem(line, error.message))
            continue
        sku = fields["sku"]
        if sku in skus_in_file:
            problems.append(
                _problem(
                    line,
                    gettext(
                        "The SKU %(sku)s is also on line %(other)d.",
                        sku=sku,
                        other=skus_in_file[sku],
                    ),
                )
            )
            continue
        skus_in_file[sku] = line
        if sku in taken_skus:
            problems.append(
                _problem(line, gettext("The SKU %(sku)s is already used; choose another.", sku=sku))
            )
            continue
        product.variants.append((line, fields))
    if problems:
        raise CsvImportError(problems)
    return products


def _create(group, slug, product):
    """One product of the file with its sizes; CsvImportError if a slug or SKU was just taken."""
    created = service.create_product(group, **product.fields)
    created.slug = slug
    # Worded before the flush: after a failed one, even gettext's locale lookup cannot query.
    taken = _problem(
        product.line,
        gettext("The product slug %(slug)s is already used; choose another.", slug=slug),
    )
    try:
        db.session.flush()
    except IntegrityError:
        # Taken by another request since the rows were checked; the caller rolls back.
        raise CsvImportError([taken]) from None
    variants = []
    for line, fields in product.variants:
        try:
            variants.append(service.create_variant(group, created.id, **fields))
        except CatalogError as error:
            raise CsvImportError([_problem(line, error.message)]) from None
    return created, variants


def import_products(group, data):
    """Create every product and size of a CSV upload for `group`, or none: CsvImportError says why.

    Columns: see IMPORT_COLUMNS. Products are new ones only (a slug any group
    uses is refused) and start as drafts unless the status says active. After a
    CsvImportError the caller rolls the session back.
    """
    rows = read_rows(
        data,
        IMPORT_COLUMNS,
        required=IMPORT_REQUIRED,
        max_bytes=IMPORT_MAX_BYTES,
        max_rows=IMPORT_MAX_ROWS,
    )
    products = check_rows(rows)
    created, variants = [], []
    for slug, product in products.items():
        new_product, new_variants = _create(group, slug, product)
        created.append(new_product)
        variants.extend(new_variants)
    db.session.flush()
    return ImportResult(products=created, variants=len(variants))


def import_template(group):
    """The CSV template for product imports: one product in two sizes, as an example."""
    category = next(iter(service.categories()), None)
    slug = f"{group.slug}-jasmine-rice"[:SLUG_MAX_LENGTH].strip("-")
    sku = re.sub(r"[^A-Z0-9]", "", group.slug.upper())[:20] or "RICE"
    product = (
        slug,
        "ข้าวหอมมะลิอินทรีย์",
        "Organic jasmine rice",
        "ข้าวหอมมะลิจากนาของสมาชิกกลุ่ม",
        "Jasmine rice from our members' fields",
        "ปลูกโดยไม่ใช้สารเคมี สีใหม่ทุกสัปดาห์",
        "Grown without chemicals, milled fresh every week.",
        category.slug if category else "",
        ProductStatus.DRAFT,
    )
    return template_bytes(
        IMPORT_COLUMNS,
        [
            (*product, "1 กก.", "1 kg", f"{sku}-RICE-1KG", "85", "1000"),
            (*product, "5 กก.", "5 kg", f"{sku}-RICE-5KG", "1,250.50", "5000"),
        ],
    )
