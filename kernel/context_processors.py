from django.utils.functional import SimpleLazyObject

from . import hooks


def navigation(request):
    """The navigation links the acting user may follow, each registered by the app that owns the
    page (slot "navigation"); computed once, and only when a template reads them."""
    user = getattr(request, "user", None)
    return {"navigation": SimpleLazyObject(lambda: sorted_by_section(hooks.collect("navigation", user=user)) if user else [])}


SECTIONS = ["public", "learner", "work", "admin"]


def sorted_by_section(links: list) -> list:
    """The links grouped by their section (the public pages, the personal side, the work side,
    administration), each group in its own order; the base layout gives each group a heading."""
    rank = {section: index for index, section in enumerate(SECTIONS)}
    return sorted(links, key=lambda link: (rank.get(link.section, len(SECTIONS)), link.order))
