"""The standing table: one row per certificate with where its hours stand, for the dashboard and
the enterprise's lists, so that counting a region is a GROUP BY and not the rules run per
certificate. Kept current by hours.services.standing in the transaction of every ledger write and
certificate change, and rebuilt nightly (the beat task `hours.tasks.standings_rebuild`, the command
`manage.py standings_rebuild`), since a standing also moves with the calendar (a year ends, a
certificate expires) and with the holder's employment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .certificates import Certificate


class CertificateStanding(models.Model):
    certificate = models.OneToOneField(
        Certificate, on_delete=models.CASCADE, primary_key=True, related_name="standing_row"
    )
    holder = models.ForeignKey("lms.Person", on_delete=models.CASCADE, related_name="+")
    credential = models.ForeignKey("lms.Credential", on_delete=models.CASCADE, related_name="+")
    # The region of the holder's current employer ("" when none): the enterprise's and region's lists.
    holder_region_path = models.CharField(max_length=255, blank=True, db_index=True)
    certificate_status = models.CharField(max_length=16)
    # The rules' verdict (hours.rules.eligibility.Standing.status) on `as_of`.
    standing = models.CharField(_("standing"), max_length=16)
    as_of = models.DateField()
    period_total = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    period_required = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # Per counted year: {"2025": {"total": "12.00", "professional": "4.00", "required": "24", ...}}.
    years = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certificate standing")
        verbose_name_plural = _("certificate standings")
        indexes = [
            models.Index(fields=["credential", "certificate_status", "standing"], name="standing_counts_idx"),
            models.Index(fields=["holder", "credential"], name="standing_holder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.standing}"
