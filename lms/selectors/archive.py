"""Reads of the personal archive: a person's current documents, and one document for whoever may
see it (the person, their employer's administrators, the authorities overseeing them)."""

from kernel.errors import NotFoundError

from .. import policies
from ..models import ArchiveDocument, Person, User


def documents_of(person: Person):
    return ArchiveDocument.objects.filter(person=person, retired_at__isnull=True)


def document_get(actor: User, pk: int) -> ArchiveDocument:
    document = ArchiveDocument.objects.filter(pk=pk).first()
    if document is None or not policies.can_see_archive(actor, document.person_id):
        raise NotFoundError.default()
    return document


def documents_for(actor: User, person: Person):
    """The person's documents if the actor may see them, else none."""
    if not policies.can_see_archive(actor, person.pk):
        return ArchiveDocument.objects.none()
    return documents_of(person)
