"""Extension points between layers. A lower app names a slot and renders what fills it; a higher
app fills it with a function registered at start-up (its AppConfig.ready). So a lower app's page
can link to a higher app's page without naming its URL: the people app's person page shows "adjust
credit hours" because the hours app put it there.

A slot's functions take keyword arguments (the acting user, the object shown) and return a list of
`Link`s (or nothing); `collect` joins them in order.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

_slots: dict[str, list[Callable[..., list | None]]] = defaultdict(list)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    element_id: str = ""
    # Where a navigation link sits: "learner" (the personal side), "work" (organisations' side),
    # "admin" (superusers); ignored by other slots.
    section: str = "work"
    order: int = 100
    style: str = ""  # "button" for a call to action, else a plain link
    method: str = "get"  # "post": rendered as a one-button form with the CSRF token


def register(slot: str) -> Callable:
    def decorator(function: Callable) -> Callable:
        if function not in _slots[slot]:
            _slots[slot].append(function)
        return function

    return decorator


def collect(slot: str, **context) -> list:
    found: list = []
    for function in _slots.get(slot, ()):
        found.extend(function(**context) or ())
    return sorted(found, key=lambda item: getattr(item, "order", 100))


# The home page's workspace (slot "lms.home"): each app contributes cards of what the acting user
# must do next. A card has figures (a count with a link), items (a row with a status and an
# action) and an empty state; frontend/card.html draws it.


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str = ""
    attention: bool = False  # drawn in the brand colour: something waits
    element_id: str = ""


@dataclass(frozen=True)
class Item:
    label: str
    url: str = ""
    note: str = ""
    status: str = ""  # a status word, drawn as a badge (frontend's `tone` filter)
    status_label: str = ""
    action: Link | None = None
    progress: int | None = None  # a percentage, drawn as a meter
    key: str = ""  # data-key of the row, for tests and scripts


@dataclass(frozen=True)
class Card:
    title: str
    element_id: str
    order: int = 100
    figures: tuple[Figure, ...] = ()
    items: tuple[Item, ...] = ()
    empty: str = ""  # what an empty card says
    links: tuple[Link, ...] = ()  # the card's footer: "all of them", "new"
    note: str = ""
