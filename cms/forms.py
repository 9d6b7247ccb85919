"""The Wagtail editor's form for catalogue pages."""

from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page


class UniqueSlugPageForm(WagtailAdminPageForm):
    """A slug the editor did not choose (empty, or the one the editor derives from the Chinese
    title) is made unique among the page's siblings with -2, -3…, so a second course of the same
    title, or one saved again after a draft, is not refused with "slug already in use". A slug the
    editor typed keeps Wagtail's refusal."""

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or ""
        title = self.cleaned_data.get("title") or self.data.get("title") or ""
        derived = slugify(title, allow_unicode=True)
        parent = getattr(self, "parent_page", None)
        if parent is None or not derived or slug not in ("", derived):
            return slug
        candidate, suffix = derived, 1
        while not Page._slug_is_available(candidate, parent, self.instance):
            suffix += 1
            candidate = f"{derived}-{suffix}"
        return candidate
