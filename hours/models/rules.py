"""Credit-hour rules as data: a scheme per credential, in versions with effective dates and an
optional province, so an authority can change a rule without a code change."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class YearlyRuleStart(models.TextChoices):
    ISSUE_YEAR = "issue_year", _("The year of issue")
    YEAR_AFTER_ISSUE = "year_after_issue", _("The year after issue")


class Consequence(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("Not eligible for extension")
    VOID = "void", _("The certificate is void")


class Issuer(models.TextChoices):
    """Who issues the certificates of a credential under a scheme: the authority (安管人员, notice
    003's 人事处签发), or the training institution that trained and examined the candidate under its
    own seal (Qinghai's technical workers: 人员证书由培训机构统一发放，加盖培训机构公章, notice 003)."""

    AUTHORITY = "authority", _("The authority")
    INSTITUTION = "institution", _("The training institution")


class CreditScheme(models.Model):
    """One version of the hours rule for one credential, nationally (no province) or in a province.
    The version in force on a date is the latest `effective_from` on or before it, a province's
    own before the national one."""

    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, related_name="schemes")
    province = models.ForeignKey(
        "lms.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Empty for the national rule."), verbose_name=_("province"),
    )
    effective_from = models.DateField(_("effective from"))
    validity_years = models.PositiveSmallIntegerField(_("certificate validity (years)"), default=3)
    open_ended = models.BooleanField(
        _("no end of validity"), default=False,
        help_text=_(
            "Certificates never expire by date (Hainan's safety officers: valid until the holder leaves the trade); "
            "the yearly hours still apply every calendar year and there is no extension."
        ),
    )
    issued_by = models.CharField(
        _("certificates issued by"), max_length=16, choices=Issuer.choices, default=Issuer.AUTHORITY,
    )
    hours_per_year = models.DecimalField(
        _("hours required each calendar year"), max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    professional_hours_per_year = models.DecimalField(
        _("of which professional post knowledge"), max_digits=6, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )
    hours_per_period = models.DecimalField(
        _("hours required within the validity period"), max_digits=6, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )
    window_years = models.PositiveSmallIntegerField(_("rolling window (years)"), default=0)
    window_hours = models.DecimalField(
        _("hours required within the rolling window"), max_digits=6, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )
    yearly_rule_starts = models.CharField(
        _("the yearly rule starts in"), max_length=20, choices=YearlyRuleStart.choices, default=YearlyRuleStart.ISSUE_YEAR
    )
    consequence = models.CharField(
        _("when the rule is missed"), max_length=16, choices=Consequence.choices, default=Consequence.NOT_ELIGIBLE
    )
    hours_count_from = models.DateField(
        _("hours count from"), null=True, blank=True,
        help_text=_("Hours earned before this date do not count under this version; empty: all earlier hours remain valid."),
    )
    score_kept_months = models.PositiveSmallIntegerField(
        _("a pass is kept for (months)"), default=12,
        help_text=_("A passer who does not yet meet the certificate's conditions keeps the score this long; then it lapses."),
    )
    source = models.CharField(_("source notice"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("credit-hour scheme")
        verbose_name_plural = _("credit-hour schemes")
        ordering = ["credential__sort_order", "province_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "province", "effective_from"], name="one_scheme_version_per_day"),
            models.UniqueConstraint(
                fields=["credential", "effective_from"], condition=Q(province__isnull=True),
                name="one_national_scheme_version_per_day",
            ),
        ]

    def clean(self):
        super().clean()
        if self.professional_hours_per_year and self.professional_hours_per_year > (self.hours_per_year or 0):
            raise ValidationError({"professional_hours_per_year": _("The professional hours cannot exceed the yearly hours.")})
        if self.open_ended and self.hours_per_period:
            raise ValidationError({"hours_per_period": _("A certificate with no end of validity has no validity period to count hours in.")})
        if bool(self.window_years) != bool(self.window_hours):
            raise ValidationError({"window_hours": _("Give both the rolling window's years and its hours, or neither.")})

    def __str__(self) -> str:
        where = self.province.name if self.province_id else _("National")
        return f"{self.credential} · {where} · {self.effective_from:%Y-%m-%d}"
