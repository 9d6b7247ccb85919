"""Writes for catalogues: provisioning an institution's editing workspace."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
)

from lms.models import Organisation, OrganisationKind, User

from ..models import CataloguePage, InstitutionWorkspace

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


def _catalogue_parent() -> Page:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else Page.get_first_root_node()


@transaction.atomic
def workspace_provision(*, institution: Organisation) -> InstitutionWorkspace:
    """Create the institution's catalogue page, its staff group with page permissions on that
    catalogue only, and its media collection. Running it again returns what exists."""
    if institution.kind != OrganisationKind.INSTITUTION:
        raise ValueError("only training institutions have catalogues")
    existing = InstitutionWorkspace.objects.filter(institution=institution).first()
    if existing:
        return existing
    catalogue = CataloguePage(
        title=f"{institution.name}课程目录",
        slug=slugify(f"catalogue-{institution.pk}"),
        institution=institution,
    )
    _catalogue_parent().add_child(instance=catalogue)
    catalogue.save_revision().publish()

    group = Group.objects.create(name=f"培训机构 {institution.pk}: {institution.name}"[:150])
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.create(
            group=group,
            page=catalogue,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    collection = Collection.get_first_root_node().add_child(name=f"{institution.name} ({institution.pk})")
    for app_label, codenames in COLLECTION_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
            )
    return InstitutionWorkspace.objects.create(
        institution=institution, catalogue=catalogue, group=group, collection=collection
    )


def workspace_member_add(*, institution: Organisation, user: User) -> None:
    workspace = workspace_provision(institution=institution)
    workspace.group.user_set.add(user)
