"""Reactions to lms domain events (delivered after commit through kernel.events): an institution gets its workspace, its staff join its group."""

from django.dispatch import receiver
from wagtail.signals import post_page_move

from kernel.events import subscribe
from lms.events import INSTITUTION_CREATED, MEMBERSHIP_GRANTED
from lms.models import Organisation, Role, User

from .models import CataloguePage, CoursePage
from .services import workspaces as services


@subscribe(INSTITUTION_CREATED)
def provision_workspace(*, institution_id: int, **payload) -> None:
    services.workspace_provision(institution=Organisation.objects.get(pk=institution_id))


@subscribe(MEMBERSHIP_GRANTED)
def add_staff_to_workspace(*, role: str, organisation_id: int, user_id: int, **payload) -> None:
    if role == Role.INSTITUTION_STAFF:
        services.workspace_member_add(
            institution=Organisation.objects.get(pk=organisation_id), user=User.objects.get(pk=user_id)
        )


@receiver(post_page_move)
def keep_course_institution(sender, instance, parent_page_after, **kwargs):
    # Wagtail moves a page as a plain Page, so CoursePage.save() does not run: keep the stored
    # institution (used to filter the catalogue) equal to the catalogue the course now sits in.
    if issubclass(sender, CoursePage):
        catalogue = parent_page_after.specific
        if isinstance(catalogue, CataloguePage):
            CoursePage.objects.filter(pk=instance.pk).update(institution_id=catalogue.institution_id)
