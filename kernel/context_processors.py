from django.utils.functional import SimpleLazyObject

from . import hooks


def navigation(request):
    """The navigation links the acting user may follow, each registered by the app that owns the
    page (slot "navigation"); computed once, and only when a template reads them."""
    user = getattr(request, "user", None)
    return {"navigation": SimpleLazyObject(lambda: hooks.collect("navigation", user=user) if user else [])}
