"""System checks of the catalogue: courses whose 学时 are not what their lessons can award
(cms.rules.credit). They read the database, so they run with `manage.py check --database default`
(the deploy's check, docs/operations.md), not on every command."""

from django.core.checks import Tags, Warning, register


@register(Tags.database)
def course_credit(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    from .models import CoursePage
    from .selectors.catalogue import credit_mismatches

    return [
        Warning(
            f"The course “{found.course.title}” (page {found.course.pk}) awards {found.declared} 学时, "
            f"while its live lessons can award {found.lessons}.",
            hint="Make the course's 学时 the sum of its lessons' (each at most its length: MINUTES_PER_CREDIT_HOUR minutes a 学时).",
            obj=found.course,
            id="cms.W001",
        )
        for found in credit_mismatches(CoursePage.objects.live())
    ]
