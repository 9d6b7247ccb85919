"""Writes for people: self-registration under a real name, the ID photo. Every function validates
everything before it writes, and writes in one transaction, so bad input changes nothing."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kernel import sms, throttle
from kernel.errors import DomainError
from kernel.images import clean_uploaded_photo
from kernel.validators import (
    normalise_id_number,
    normalise_mobile,
    validate_id_number,
    validate_mobile,
)

from ..errors import ERRORS
from ..models import Education, IdPhotoStatus, Person, ProfessionalTitle, User
from ..rules.names import real_name_is_valid
from ._fields import validated


def validated_real_name(value: str) -> str:
    if not real_name_is_valid(value):
        raise ERRORS.error("real_name_format", field="real_name")
    return value.strip()


def person_register(
    *,
    real_name: str,
    id_number: str,
    mobile: str,
    education: str,
    password: str,
    professional_title: str = ProfessionalTitle.NONE,
    id_photo: bytes | None = None,
) -> Person:
    """Self-registration under a real name: the account and the profile are created together or not at all."""
    real_name = validated_real_name(real_name)
    id_number = validated("id_number", validate_id_number, id_number)
    mobile = validated("mobile", validate_mobile, mobile)
    if education not in Education.values:
        raise ERRORS.error("education_invalid", field="education")
    if professional_title not in ProfessionalTitle.values:
        raise ERRORS.error("title_invalid", field="professional_title")
    # Everything that does not depend on who is registered is judged first, so that a refusal never
    # tells an anonymous visitor whether an ID number or mobile is on file (registration_submit).
    candidate = User(username=id_number, first_name=real_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ERRORS.error("password_weak", field="password", message=" ".join(error.messages))
    photo = clean_uploaded_photo(id_photo, name="id.jpg") if id_photo else None
    if Person.objects.filter(id_number=id_number).exists():
        raise ERRORS.error("id_number_taken", field="id_number")
    if Person.objects.filter(mobile=mobile).exists():
        raise ERRORS.error("mobile_taken", field="mobile")

    saved_photo_name = None
    try:
        with transaction.atomic():
            candidate.set_password(password)
            candidate.save()
            person = Person(
                user=candidate,
                real_name=real_name,
                id_number=id_number,
                mobile=mobile,
                education=education,
                professional_title=professional_title,
            )
            if photo is not None:
                person.id_photo.save(photo.name, photo, save=False)
                saved_photo_name = person.id_photo.name
                person.id_photo_status = IdPhotoStatus.PENDING
            person.save()
    except IntegrityError:
        # Another registration with the same ID number or mobile won the race.
        if saved_photo_name:
            person.id_photo.storage.delete(saved_photo_name)
        raise ERRORS.error("id_number_or_mobile_taken", field="id_number")
    return person


TAKEN = ("id_number_taken", "mobile_taken", "id_number_or_mobile_taken")


def registration_submit(*, address: str, id_number: str, mobile: str, password: str, **fields) -> Person | None:
    """Self-registration by an anonymous visitor, who is answered the same whether or not the ID
    number or mobile is already registered: a new person is registered (and returned); for one
    already on file nothing is created, the registered holder is told by text message (their
    mobile, and the mobile that was entered when it is another person's), and None is returned.
    Refused past REGISTRATION_ADDRESS_MAX tries per address and window (registration_throttled).
    Raises what person_register raises for the input itself."""
    if throttle.hit(throttle.key("register", address), window=settings.REGISTRATION_WINDOW_SECONDS) > (
        settings.REGISTRATION_ADDRESS_MAX
    ):
        raise ERRORS.error("registration_throttled")
    try:
        return person_register(id_number=id_number, mobile=mobile, password=password, **fields)
    except DomainError as error:
        if error.code not in TAKEN:
            raise
    make_password(password)  # the time a new account's password costs, so timing tells nothing either
    normalised_id = normalise_id_number(id_number)
    normalised_mobile = normalise_mobile(mobile)
    holders = {
        person.mobile
        for person in Person.objects.filter(Q(id_number=normalised_id) | Q(mobile=normalised_mobile))
        if person.mobile
    }
    for holder_mobile in sorted(holders):
        sms.send(
            mobile=holder_mobile,
            text=_(
                "Kaohe: someone tried to register with your ID number or mobile number. If it was you, you "
                "already have an account: log in, or unlock it from the login page. If not, nothing has changed."
            ),
        )
    return None


def person_id_photo_set(*, person: Person, data: bytes) -> Person:
    """Put an ID photo on file for a person registered without one. One on file is never replaced
    here: it is the photo identity checks start from."""
    photo = clean_uploaded_photo(data, name="id.jpg")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.id_photo:
            raise ERRORS.error("id_photo_exists")
        person.id_photo.save(photo.name, photo, save=False)
        # A new photo is no trust anchor until an authority has reviewed it.
        person.id_photo_status = IdPhotoStatus.PENDING
        person.save(update_fields=["id_photo", "id_photo_status"])
    return person
