"""The Wagtail editor's form for catalogue pages."""

from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _

from .rules.credit import hours_for_minutes, minutes_per_credit_hour
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


def plain(amount) -> str:
    """A number without trailing zeros, for messages."""
    text = f"{Decimal(str(amount)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The editors' rules of credit (cms.rules.credit): a lesson awards at most its length, and a
# course's lessons together award what the course says. They are the editor's form's, where an
# institution enters its catalogue; what reaches the database otherwise is reported by the check
# cms.W001 and on the institution's home page (cms.selectors.catalogue.credit_mismatches).


def _lessons_of(course):
    from .models import LessonPage  # the models name these forms as their base_form_class

    return LessonPage.objects.child_of(course)


class CoursePageForm(UniqueSlugPageForm):
    def clean(self):
        cleaned = super().clean()
        hours = cleaned.get("credit_hours")
        if hours is None or not self.instance.pk:
            return cleaned
        lessons = sum((lesson.credit_hours for lesson in _lessons_of(self.instance)), Decimal("0"))
        if hours < lessons:
            self.add_error("credit_hours", _(
                "The lessons of this course award %(lessons)s 学时 together: the course cannot award fewer."
            ) % {"lessons": plain(lessons)})
        return cleaned


class LessonPageForm(UniqueSlugPageForm):
    def clean(self):
        cleaned = super().clean()
        hours, minutes = cleaned.get("credit_hours"), cleaned.get("minutes")
        if hours is not None and minutes is not None and hours > hours_for_minutes(minutes):
            self.add_error("credit_hours", _(
                "A lesson of %(minutes)s minutes awards at most %(most)s 学时 (a 学时 is %(per)s minutes of study)."
            ) % {"minutes": plain(minutes), "most": plain(hours_for_minutes(minutes)), "per": plain(minutes_per_credit_hour())})
            return cleaned
        parent = getattr(self, "parent_page", None)
        course = parent.specific if parent is not None else None
        if hours is None or not hasattr(course, "credit_hours"):
            return cleaned
        siblings = type(self.instance).objects.child_of(course)
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        total = sum((lesson.credit_hours for lesson in siblings), hours)
        if total > course.credit_hours:
            self.add_error("credit_hours", _(
                "The course awards %(course)s 学时 and its lessons would award %(total)s together: "
                "lower this lesson's 学时 or raise the course's."
            ) % {"course": plain(course.credit_hours), "total": plain(total)})
        return cleaned
