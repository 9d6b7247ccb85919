"""Writes for regions, organisations and memberships."""

import re

from django.db import transaction

from kernel.events import publish
from kernel.validators import validate_credit_code

from .. import events
from ..errors import ERRORS
from ..models import (
    ROLE_ORGANISATION_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    User,
)
from ..policies import forget_roles
from ._fields import validated


def region_create(*, code: str, name: str, level: str, parent: Region | None = None) -> Region:
    if not re.fullmatch(r"\d{6}", code or ""):
        raise ERRORS.error("region_code_format", field="code")
    if level not in RegionLevel.values:
        raise ERRORS.error("region_level_invalid", field="level")
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


def organisation_create(*, kind: str, name: str, region: Region, credit_code: str | None = None) -> Organisation:
    if kind not in OrganisationKind.values:
        raise ERRORS.error("organisation_kind_invalid", field="kind")
    name = (name or "").strip()
    if not name:
        raise ERRORS.error("name_required", field="name")
    if credit_code:
        credit_code = validated("credit_code", validate_credit_code, credit_code)
    elif kind == OrganisationKind.ENTERPRISE:
        raise ERRORS.error("credit_code_required", field="credit_code")
    else:
        credit_code = None
    if credit_code and Organisation.objects.filter(credit_code=credit_code).exists():
        raise ERRORS.error("credit_code_taken", field="credit_code")
    with transaction.atomic():
        organisation = Organisation.objects.create(kind=kind, name=name, region=region, credit_code=credit_code)
        if kind == OrganisationKind.INSTITUTION:
            publish(events.INSTITUTION_CREATED, institution_id=organisation.pk)
    return organisation


def membership_grant(*, user: User, organisation: Organisation, role: str) -> Membership:
    if organisation.kind not in ROLE_ORGANISATION_KINDS.get(role, set()):
        raise ERRORS.error("role_not_for_organisation")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
        if created:
            publish(
                events.MEMBERSHIP_GRANTED,
                membership_id=membership.pk, user_id=user.pk, organisation_id=organisation.pk, role=role,
            )
    forget_roles(user)
    return membership
