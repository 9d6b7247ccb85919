"""Who issues a credential's certificates and whether they have an end of validity, as the schemes
say (issue 16, item 8):

- `CreditScheme.issued_by` (the authority, or the training institution that examined the
  candidate) and `CreditScheme.open_ended` (no end of validity, yet yearly hours);
- `Certificate.institution` (the issuing institution, when it issued) and a nullable
  `Certificate.expires_on` (长期有效); every existing certificate keeps its authority as issuer
  and its expiry date, so nothing changes for them;
- `PassList.institution`, copied from the sitting of each list compiled from an exam sitting
  (source "exam.sitting:<id>"), so an institution can issue from its lists.

Seeded, from the notices in ../shared/seeds:

- 002 (Hainan, 2020-07-02), 三、注意事项（一）: the 安全员 certificates "可依据继续教育大纲参加每年不少于32学时的继续教育（其中
  专业岗位知识不少于22学时），可继续使用到持证人终止从业": Hainan's own 安全员 version, no end of validity, 32 hours a
  year of which 22 professional from the year after issue; missing a year bars nothing but shows short (the
  notice names no voiding for them).
- 003 (Qinghai): 技术工人 "考试通过后人事处按批次将人员数据导入至建设云政务平台中备份，人员证书由培训机构统一发放，加盖培训机构公章",
  "建设行业建筑工人证书属个人技能培训证书，无需继续教育", "仅限在全省范围内使用": a credential 建设行业技术工人 (code JSGR; of the
  special-operations family, the closest existing one: both are personal skill certificates), Qinghai's version
  issued by the training institution, with no continuing-education hours; the notice states no validity, so it
  has none until an authority sets one.

Safe to run twice (get_or_create); reversing removes the seeded versions only.
"""

import datetime

import django.db.models.deletion
from django.db import migrations, models

HAINAN_SOURCE = "002（海南）: 安全员证书每年不少于32学时（专业岗位知识不少于22学时），可继续使用到持证人终止从业"
QINGHAI_SOURCE = "003（青海）: 技术工人证书由培训机构统一发放，加盖培训机构公章；无需继续教育；仅限全省范围内使用"


def _province(Region, code, name):
    region, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": "province", "path": f"{code}/"})
    return region


def seed(apps, schema_editor):
    Credential = apps.get_model("lms", "Credential")
    Region = apps.get_model("lms", "Region")
    CreditScheme = apps.get_model("hours", "CreditScheme")
    hainan = _province(Region, "460000", "海南省")
    qinghai = _province(Region, "630000", "青海省")
    safety_officer = Credential.objects.filter(code="AQY").first()
    if safety_officer is not None:
        CreditScheme.objects.get_or_create(
            credential=safety_officer, province=hainan, effective_from=datetime.date(2020, 7, 2),
            defaults={
                "validity_years": 3, "open_ended": True, "issued_by": "authority", "hours_per_year": 32,
                "professional_hours_per_year": 22, "hours_per_period": 0, "window_years": 0, "window_hours": 0,
                "yearly_rule_starts": "year_after_issue", "consequence": "not_eligible", "source": HAINAN_SOURCE,
            },
        )
    last = Credential.objects.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    worker, _ = Credential.objects.get_or_create(
        code="JSGR", defaults={"name": "建设行业技术工人", "family": "special_operations", "sort_order": last + 1}
    )
    CreditScheme.objects.get_or_create(
        credential=worker, province=qinghai, effective_from=datetime.date(2019, 1, 1),
        defaults={
            "validity_years": 3, "open_ended": True, "issued_by": "institution", "hours_per_year": 0,
            "professional_hours_per_year": 0, "hours_per_period": 0, "yearly_rule_starts": "issue_year",
            "consequence": "not_eligible", "source": QINGHAI_SOURCE,
        },
    )


def unseed(apps, schema_editor):
    CreditScheme = apps.get_model("hours", "CreditScheme")
    CreditScheme.objects.filter(source__in=[HAINAN_SOURCE, QINGHAI_SOURCE]).delete()


def pass_list_institutions(apps, schema_editor):
    PassList = apps.get_model("hours", "PassList")
    Sitting = apps.get_model("exam", "Sitting")
    for pass_list in PassList.objects.filter(source__startswith="exam.sitting:", institution__isnull=True):
        sitting_id = pass_list.source.split(":", 1)[1]
        if not sitting_id.isdigit():
            continue
        institution_id = Sitting.objects.filter(pk=int(sitting_id)).values_list("institution_id", flat=True).first()
        if institution_id is not None:
            PassList.objects.filter(pk=pass_list.pk).update(institution_id=institution_id)


class Migration(migrations.Migration):

    dependencies = [
        ('hours', '0009_legacy_holdings_and_exchange'),
        ('lms', '0007_employment_requests'),
        ('exam', '0006_review_after_the_sitting'),
    ]

    operations = [
        migrations.AddField(
            model_name='certificate',
            name='institution',
            field=models.ForeignKey(blank=True, limit_choices_to={'kind': 'institution'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='institution_certificates', to='lms.organisation', verbose_name='issuing training institution'),
        ),
        migrations.AddField(
            model_name='creditscheme',
            name='issued_by',
            field=models.CharField(choices=[('authority', 'The authority'), ('institution', 'The training institution')], default='authority', max_length=16, verbose_name='certificates issued by'),
        ),
        migrations.AddField(
            model_name='creditscheme',
            name='open_ended',
            field=models.BooleanField(default=False, help_text="Certificates never expire by date (Hainan's safety officers: valid until the holder leaves the trade); the yearly hours still apply every calendar year and there is no extension.", verbose_name='no end of validity'),
        ),
        migrations.AddField(
            model_name='passlist',
            name='institution',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='lms.organisation', verbose_name='training institution'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='expires_on',
            field=models.DateField(blank=True, null=True, verbose_name='expiry date'),
        ),
        migrations.RunPython(pass_list_institutions, migrations.RunPython.noop),
        migrations.RunPython(seed, unseed),
    ]
