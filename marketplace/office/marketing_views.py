"""The office Marketing page: one page, one section per marketing tool.

Each tool adds a section: a template under templates/office/marketing/ and a
function of the group returning that template's values, registered with
`@marketing_section(template)`. The page shows the sections in the order
they were registered. Members (leaders and staff) of the group may open it;
everything it links to is public except what a section itself guards.
"""

from flask import render_template

from ..marketing import cards, discounts, feeds, labels, toolkit
from .blueprint import blueprint, current_group
from .feed_views import feed_addresses

SECTIONS = []


def marketing_section(template):
    """Register a section of the Marketing page: `builder(group)` returns its template's values."""

    def register(builder):
        SECTIONS.append((template, builder))
        return builder

    return register


@marketing_section("office/marketing/_cards.html")
def _cards_section(group):
    group_item, products = toolkit.group_shareables(group)
    return {
        "group_item": group_item,
        "products": products,
        "sizes": cards.SIZES,
        "languages": cards.LANGUAGES,
    }


@marketing_section("office/marketing/_labels.html")
def _labels_section(group):
    return {"lots": labels.lots_to_label(group)}


@marketing_section("office/marketing/_feeds.html")
def _feeds_section(group):
    return {"addresses": feed_addresses(group), "gaps": feeds.feed_gaps(group)}


@marketing_section("office/marketing/_discounts.html")
def _discounts_section(group):
    from ..models import DiscountStatus

    codes = discounts.codes_of(group, include_batches=False)
    return {"active": sum(1 for c in codes if c.status == DiscountStatus.ACTIVE)}


@blueprint.get("/<group_slug>/marketing")
def marketing():
    """Share cards and links (and the other tools' sections) for the current group."""
    group = current_group()
    sections = [{"template": template, "data": builder(group)} for template, builder in SECTIONS]
    return render_template("office/marketing.html", group=group, sections=sections)
