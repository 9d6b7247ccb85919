"""Login with a mobile number or a resident ID number (or, for staff accounts, a username)."""

from django.contrib.auth.backends import ModelBackend

from kernel.validators import normalise_id_number, normalise_mobile

from .models import User


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not identifier or password is None:
            return None
        user = self.find(identifier)
        if user is None:
            # Spend the same time as a real check so that timing does not reveal who is registered.
            User().set_password(password)
            return None
        if user.login_locked_at:  # locked after wrong passwords (lms.services.login): no way in
            user.check_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def find(identifier: str) -> User | None:
        mobile = normalise_mobile(identifier)
        if mobile.isdigit() and len(mobile) == 11:
            user = User.objects.filter(person__mobile=mobile).first()
            if user is not None:
                return user
        id_number = normalise_id_number(identifier)
        if len(id_number) == 18:
            user = User.objects.filter(person__id_number=id_number).first()
            if user is not None:
                return user
        return User.objects.filter(username=identifier).first()
