"""Forms of the offline training pages: the batch upload, the decision, and the hours adjustment."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import KnowledgeCategory
from kernel.widgets import DateInput
from lms.models import Credential, Organisation


class BatchUploadForm(forms.Form):
    institution = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Training institution"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file with the columns of the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        if institutions.count() == 1:
            self.fields["institution"].initial = institutions.first()
            self.fields["institution"].widget = forms.HiddenInput()


class BatchDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HoursAdjustForm(forms.Form):
    credential = forms.ModelChoiceField(queryset=Credential.objects.all(), label=_("Credential"))
    category = forms.ChoiceField(choices=KnowledgeCategory.choices, label=_("Knowledge category"))
    hours = forms.DecimalField(
        label=_("Credit hours"),
        max_digits=6,
        decimal_places=2,
        help_text=_("Negative to take hours away."),
    )
    earned_on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["earned_on"].initial = timezone.localdate()


# Old certificates (原持证人员信息备案) ---------------------------------------------------------------


class LegacyHoldingForm(forms.Form):
    """An enterprise registers an employee's old certificate. The employee is an id checked by the
    service (another enterprise's person is not found), offered as the enterprise's employees."""

    person = forms.IntegerField(label=_("Employee"), widget=forms.Select)
    credential = forms.ModelChoiceField(queryset=Credential.objects.order_by("code"), label=_("Credential"))
    number = forms.CharField(label=_("Certificate number"), max_length=32, help_text=_("As printed on the certificate."))
    issued_on = forms.DateField(label=_("Issue date"), widget=DateInput())
    expires_on = forms.DateField(label=_("Expiry date"), widget=DateInput())
    issuer_name = forms.CharField(
        label=_("Issuing authority"), max_length=100, help_text=_("The authority's name as printed on the certificate.")
    )

    def __init__(self, *args, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget.choices = [("", "---------")] + [
            (person.pk, f"{person.real_name} ({person.masked_id_number})") for person in employees
        ]


class LegacyDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
