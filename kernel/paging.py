"""One page of a list, in the order the user chose: the selectors' helper behind the design
system's data tables (frontend/pagination.html and the {% sort_header %} tag).

    listing = page_of(queryset, request.GET, sorts={"name": "real_name", "date": "created_at"},
                      default="-date")
    listing.page        # a Django Page
    listing.sort        # the order applied ("-date"), from the allowed ones only

An order the list does not offer is ignored (never an error, never an arbitrary field): the user
gets the default order."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25


@dataclass(frozen=True)
class Listing:
    page: Page
    sort: str


def page_of(items, params: Mapping, *, sorts: Mapping[str, str] | None = None, default: str = "", per_page: int = PAGE_SIZE) -> Listing:
    sorts = sorts or {}
    wanted = str(params.get("sort", "") or default)
    key = wanted.lstrip("-")
    if key not in sorts:
        wanted, key = default, default.lstrip("-")
    if key in sorts and hasattr(items, "order_by"):
        field = sorts[key]
        descending = wanted.startswith("-")
        items = items.order_by(f"-{field}" if descending else field, "pk")
    page = Paginator(items, per_page).get_page(params.get("page"))
    return Listing(page=page, sort=wanted if key in sorts else "")
