"""Report downloads through a real server (werkzeug in a thread): every file is complete.

Each download is compared with the command line's export of the same area and
period (`flask report uplift`): same rows for an admin, same number of rows for
an officer (whose small cells may hide more). Before the downloads computed their
rows in a context of their own, the household CSV stopped after its header and
the product CSV answered 500 (DetachedInstanceError) on a real server.
"""

import csv
import io
from datetime import date

import openpyxl
import pytest

from marketplace.extensions import db as _db
from marketplace.models import (
    Household,
    HouseholdAssessment,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
)

from .. import factories
from ..live_server import Browser, serve
from .report_fixtures import PHAN, by_product_world, scenario

FROM, TO = "2025-12-01", "2026-11-30"
QUERY = f"?from={FROM}&to={TO}"
AREAS = [("57",), ("57", "5705"), ("57", "5705", "570505")]
EXTRA_HOUSEHOLDS = 1_050  # more than one batch of iter_household_figures (1,000)


@pytest.fixture
def world(db):
    """The hand-computed scenario, the by-product world and enough households for two batches."""
    scenario()
    group, _made = by_product_world()
    # Written in bulk: one flush for the households, one for their assessments and entries.
    extra = [
        Household(code=f"57-9{n:05d}", village="บ้านดอยงาม", moo=5, groups=[group], **PHAN)
        for n in range(EXTRA_HOUSEHOLDS)
    ]
    _db.session.add_all(extra)
    _db.session.flush()
    for n, household in enumerate(extra):
        if n % 7 == 0:
            _db.session.add(
                HouseholdAssessment(
                    household=household,
                    assessed_on=date(2025, 6, 1),
                    members=3,
                    annual_income_satang=9_000_000,
                    poverty_class="difficult",
                )
            )
        if n % 5 == 0:
            _db.session.add(
                LedgerEntry(
                    account=LedgerAccount.HOUSEHOLD,
                    kind=LedgerKind.SALE_SHARE,
                    group_id=group.id,
                    household_id=household.id,
                    amount_satang=100_000 + n,
                    occurred_on=date(2026, 2, 1),
                )
            )
    factories.make_user("admin@example.com", admin=True)
    factories.make_user("officer@example.com", officer_areas=["57"])
    _db.session.commit()


def _cli(runner, tmp_path, codes, *extra):
    args = ["report", "uplift", "--province", codes[0], "--from", FROM, "--to", TO]
    if len(codes) > 1:
        args += ["--district", codes[1]]
    if len(codes) > 2:
        args += ["--subdistrict", codes[2]]
    result = runner.invoke(args=[*args, *extra])
    assert result.exit_code == 0, result.output
    return result


def _cli_csv(runner, tmp_path, codes, table="households"):
    path = tmp_path / f"cli-{'-'.join(codes)}-{table}.csv"
    _cli(runner, tmp_path, codes, "--table", table, "--output", str(path))
    return path.read_bytes().decode()


def _cli_xlsx_rows(runner, tmp_path, codes, summary=False):
    path = tmp_path / f"cli-{'-'.join(codes)}-{summary}.xlsx"
    _cli(
        runner,
        tmp_path,
        codes,
        "--format",
        "xlsx",
        "--output",
        str(path),
        *(["--summary-only"] if summary else []),
    )
    return _sheet_rows(path.read_bytes())


def _sheet_rows(data):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    book.close()
    return rows


def _path(codes):
    return "/reports/area/" + "/".join(codes) + "/"


def _download(browser, path):
    status, headers, body = browser.get(path)
    assert status == 200, (path, status, body[:300])
    assert "attachment" in headers["Content-Disposition"]
    return body


def test_every_area_download_is_complete_for_an_admin(app, world, runner, tmp_path):
    """The admin's CSVs are byte for byte the CLI's; the workbooks have the same rows."""
    with serve(app) as base:
        browser = Browser(base)
        browser.sign_in("admin@example.com")
        for codes in AREAS:
            _check_area_downloads(browser, runner, tmp_path, codes)


def _check_area_downloads(browser, runner, tmp_path, codes):
    households = _download(browser, _path(codes) + "export.csv" + QUERY).decode()
    products = _download(browser, _path(codes) + "export.csv" + QUERY + "&table=products")
    workbook = _download(browser, _path(codes) + "export.xlsx" + QUERY)
    summary = _download(browser, _path(codes) + "export.xlsx" + QUERY + "&summary=1")
    assert households == _cli_csv(runner, tmp_path, codes)
    assert len(households.splitlines()) > (EXTRA_HOUSEHOLDS if codes[-1] != "5701" else 1)
    assert products.decode() == _cli_csv(runner, tmp_path, codes, "products")
    assert len(products.decode().splitlines()) > 1
    assert _sheet_rows(workbook) == _cli_xlsx_rows(runner, tmp_path, codes)
    assert _sheet_rows(summary) == _cli_xlsx_rows(runner, tmp_path, codes, summary=True)


def test_every_area_download_is_complete_for_an_officer(app, world, runner, tmp_path):
    """An officer's files have the CLI's rows (their small cells may hide more)."""
    codes = ("57",)
    with serve(app) as base:
        browser = Browser(base)
        browser.sign_in("officer@example.com")
        households = _download(browser, "/reports/area/57/export.csv" + QUERY).decode()
        products = _download(browser, "/reports/area/57/export.csv" + QUERY + "&table=products")
        workbook = _download(browser, "/reports/area/57/export.xlsx" + QUERY)
        # A district the officer does not cover is still 404, not a stream.
        status, _h, _b = browser.get("/reports/area/58/export.csv" + QUERY)
        assert status == 404
    cli_households = list(csv.reader(io.StringIO(_cli_csv(runner, tmp_path, codes))))
    web_households = list(csv.reader(io.StringIO(households)))
    assert len(web_households) == len(cli_households) > EXTRA_HOUSEHOLDS
    assert [row[0] for row in web_households] == [row[0] for row in cli_households]
    cli_products = list(csv.reader(io.StringIO(_cli_csv(runner, tmp_path, codes, "products"))))
    web_products = list(csv.reader(io.StringIO(products.decode())))
    assert len(web_products) == len(cli_products) > 1
    cli_book = _cli_xlsx_rows(runner, tmp_path, codes)
    web_book = _sheet_rows(workbook)
    assert {name: len(rows) for name, rows in web_book.items()} == {
        name: len(rows) for name, rows in cli_book.items()
    }


def test_the_csv_speaks_the_viewers_language_in_product_names(app, db, runner):
    """The product table uses the viewer's language, as the page does (English here)."""
    group, made = by_product_world()
    for product in made.values():
        product.name_th = "ไทย-" + product.name_en
    factories.make_user("en@example.com", admin=True, locale="en")
    _db.session.commit()
    with serve(app) as base:
        browser = Browser(base)
        browser.sign_in("en@example.com")
        body = _download(browser, "/reports/area/57/export.csv" + QUERY + "&table=products")
    names = [row["product"] for row in csv.DictReader(io.StringIO(body.decode()))]
    assert sorted(names) == ["A", "B", "C"]
