"""Reactions to lms domain events: an institution gets its workspace, its staff join its group."""

from django.dispatch import receiver
from wagtail.signals import post_page_move

from lms.events import institution_created, membership_granted
from lms.models import Role

from .models import CataloguePage, CoursePage
from .services import workspaces as services


@receiver(institution_created)
def provision_workspace(sender, institution, **kwargs):
    services.workspace_provision(institution=institution)


@receiver(membership_granted)
def add_staff_to_workspace(sender, membership, **kwargs):
    if membership.role == Role.INSTITUTION_STAFF:
        services.workspace_member_add(institution=membership.organisation, user=membership.user)


@receiver(post_page_move)
def keep_course_institution(sender, instance, parent_page_after, **kwargs):
    # Wagtail moves a page as a plain Page, so CoursePage.save() does not run: keep the stored
    # institution (used to filter the catalogue) equal to the catalogue the course now sits in.
    if issubclass(sender, CoursePage):
        catalogue = parent_page_after.specific
        if isinstance(catalogue, CataloguePage):
            CoursePage.objects.filter(pk=instance.pk).update(institution_id=catalogue.institution_id)
