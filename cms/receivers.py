"""Reactions to lms domain events: an institution gets its workspace, its staff join its group."""

from django.dispatch import receiver

from lms.events import institution_created, membership_granted
from lms.models import Role

from . import services


@receiver(institution_created)
def provision_workspace(sender, institution, **kwargs):
    services.workspace_provision(institution=institution)


@receiver(membership_granted)
def add_staff_to_workspace(sender, membership, **kwargs):
    if membership.role == Role.INSTITUTION_STAFF:
        services.workspace_member_add(institution=membership.organisation, user=membership.user)
