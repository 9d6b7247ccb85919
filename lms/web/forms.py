"""Forms parse and present; the services decide. A FieldError from a service lands on its field."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import auth as wagtail_auth_forms

from kernel.errors import DomainError
from kernel.throttle import client_address

from kernel.widgets import DateInput

from ..models import Education, ProfessionalTitle
from ..services import login as login_service


class ThrottledLoginMixin:
    """Every login form (the site's, Wagtail's and Django's admin): a locked or throttled account
    is refused before its password is checked, a wrong password is counted (lms.services.login)."""

    def clean(self):
        identifier = self.cleaned_data.get("username")
        address = client_address(self.request)
        if not identifier or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            login_service.login_check(identifier=identifier, address=address)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code)
        try:
            cleaned = super().clean()
        except ValidationError as error:
            # A wrong password, not a right one refused for another reason (the admin's "staff only").
            if getattr(error, "code", None) == "invalid_login" and self.user_cache is None:
                login_service.login_failed(identifier=identifier, address=address)
            raise
        login_service.login_succeeded(user=self.get_user(), address=address)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile number or ID number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The mobile number, ID number or password is wrong."),
        "inactive": _("This account has been disabled."),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class WagtailLoginForm(ThrottledLoginMixin, wagtail_auth_forms.LoginForm):
    pass


class UnlockRequestForm(forms.Form):
    identifier = forms.CharField(label=_("Mobile number or ID number"), max_length=150)


class UnlockCodeForm(forms.Form):
    identifier = forms.CharField(widget=forms.HiddenInput, max_length=150)
    code = forms.CharField(label=_("Code from the text message"), max_length=12)


class RegistrationForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50, help_text=_("As printed on your ID card."))
    id_number = forms.CharField(label=_("Resident ID number"), max_length=20)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    professional_title = forms.ChoiceField(
        label=_("Professional title"), choices=ProfessionalTitle.choices, initial=ProfessionalTitle.NONE
    )
    id_photo = forms.FileField(
        label=_("ID photo"),
        required=False,
        help_text=_("A clear, front-facing photo as on your ID card (JPEG or PNG, at most 5 MB)."),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class EmployeeAddForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=20)
    position = forms.CharField(label=_("Position"), max_length=50, required=False)
    start_date = forms.DateField(
        label=_("Start date"), initial=timezone.localdate, widget=DateInput()
    )


class EmploymentEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("End date"), initial=timezone.localdate, widget=DateInput()
    )

