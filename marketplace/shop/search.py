"""Search views: the results page (a plain GET form works without JavaScript) and suggestions."""

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext, ngettext

from ..catalog import search
from ..catalog.queries import ProductCard
from ..i18n import bangkok_today, current_language

blueprint = Blueprint("search", __name__, url_prefix="/search")


@blueprint.record_once
def _install_hooks(state):
    """Index changes after each commit: registering the blueprint is enough."""
    search.install_index_hooks(state.app)


def _card(product, today):
    """The storefront's product tile data for one search hit."""
    variants = [v for v in product.variants if v.is_active]
    lots = [lot for v in product.variants for lot in v.lots]
    claims = list(product.claims) + list(product.group.claims)
    claims += [c for lot in lots for c in lot.claims]
    return ProductCard(
        product=product,
        min_price=min((v.price_satang for v in variants), default=None),
        stock=sum(lot.available for v in variants for lot in v.lots),
        verified_kinds=tuple(sorted({c.kind for c in claims if c.is_verified(today)})),
    )


def _facet_links(outcome, language):
    """Each facet value with its count and the URL that applies (or removes) it."""
    labels = search.facet_labels(outcome.facets, language)
    base = {"q": outcome.text, **outcome.filters}
    links = {}
    for name in search.FACETS:
        entries = []
        for value, count in outcome.facets.get(name, ()):
            selected = outcome.filters.get(name) == value
            args = dict(base)
            if selected:
                args.pop(name, None)
            else:
                args[name] = value
            entries.append(
                {
                    "value": value,
                    "label": labels[name].get(value, value),
                    "count": count,
                    "selected": selected,
                    "url": url_for("search.results", **{k: v for k, v in args.items() if v}),
                }
            )
        links[name] = entries
    return links


@blueprint.get("")
def results():
    """Search results for ?q=, with facet filters, did-you-mean and popular products."""
    language = current_language()
    filters = search.clean_filters(request.args)
    page = request.args.get("page", 1, type=int) or 1
    per_page = current_app.config.get("CATALOG_PAGE_SIZE", 24)
    outcome = search.query(request.args.get("q", ""), filters, page=page, per_page=per_page)
    today = bangkok_today()
    cards = [_card(p, today) for p in search.load_products(outcome.product_ids)]
    popular = [_card(p, today) for p in search.load_products(outcome.popular_ids)]

    def page_url(number):
        args = {"q": outcome.text, **outcome.filters, "page": number}
        return url_for("search.results", **{k: v for k, v in args.items() if v})

    return render_template(
        "shop/search.html",
        query=outcome.text,
        outcome=outcome,
        cards=cards,
        popular=popular,
        facets=_facet_links(outcome, language),
        did_you_mean_url=(
            url_for("search.results", q=outcome.did_you_mean) if outcome.did_you_mean else None
        ),
        did_you_mean_lang="th" if search.is_thai(outcome.did_you_mean) else "en",
        previous_url=page_url(outcome.page - 1) if outcome.page > 1 else None,
        next_url=page_url(outcome.page + 1) if outcome.page < outcome.pages else None,
    )


@blueprint.get("/suggest")
def suggest():
    """Suggestions for what the buyer has typed so far, as JSON."""
    text = request.args.get("q", "")
    kinds = {"product": gettext("Product"), "group": gettext("Producer group")}
    items = [
        {
            **item,
            "kind_label": kinds[item["kind"]],
            "url": url_for("search.results", q=item["text"]),
        }
        for item in search.suggest(text)
    ]
    status = ngettext("%(num)d suggestion", "%(num)d suggestions", len(items)) if items else ""
    response = jsonify({"query": search.clean_text(text), "suggestions": items, "status": status})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
