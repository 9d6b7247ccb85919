"""System checks of the catalogue: courses whose 学时 are not what their lessons can award
(cms.rules.credit). They read the database, so they run with `manage.py check --database default`
(the deploy's check, docs/operations.md), not on every command."""

from django.core.checks import Tags, Warning, register


@register(Tags.database)
def course_credit(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    from django.db import DatabaseError, connection

    from .models import CoursePage, LessonPage
    from .selectors.catalogue import credit_mismatches

    # `migrate` runs the database checks before it has made the tables: nothing to check yet.
    tables = set(connection.introspection.table_names())
    if not {"wagtailcore_page", CoursePage._meta.db_table, LessonPage._meta.db_table} <= tables:
        return []
    try:
        mismatches = credit_mismatches(CoursePage.objects.live())
    except DatabaseError:  # a migration of the catalogue not yet applied
        return []
    return [
        Warning(
            f"The course “{found.course.title}” (page {found.course.pk}) awards {found.declared} 学时, "
            f"while its live lessons can award {found.lessons}.",
            hint="Make the course's 学时 the sum of its lessons' (each at most its length: MINUTES_PER_CREDIT_HOUR minutes a 学时).",
            obj=found.course,
            id="cms.W001",
        )
        for found in mismatches
    ]
