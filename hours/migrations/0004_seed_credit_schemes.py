"""The credit-hour schemes of ../shared/DOMAIN.md, as the first versions an authority then edits.

- 安管人员 A/B/C (notice 000): 8 hours a year, 24 within the 3-year validity; missing them bars an
  extension. Guangdong's version from 2024-01-15 (the new system's start) keeps earlier hours valid.
- 施工现场专业人员 (notices 002, 004): from the year after issue, 32 hours a year of which 22 of
  professional post knowledge; under 64 hours over 2 years voids the certificate.
"""

import datetime

from django.db import migrations

SAFETY = ["A", "B", "C"]
SITE = ["101", "102", "103", "104", "106", "107", "108", "109", "111", "112", "113", "114", "115", "AQY"]


def seed(apps, schema_editor):
    Credential = apps.get_model("lms", "Credential")
    Region = apps.get_model("lms", "Region")
    CreditScheme = apps.get_model("hours", "CreditScheme")
    guangdong, _ = Region.objects.get_or_create(
        code="440000", defaults={"name": "广东省", "level": "province", "path": "440000/"}
    )
    for credential in Credential.objects.filter(code__in=SAFETY):
        common = {
            "credential": credential, "validity_years": 3, "hours_per_year": 8, "hours_per_period": 24,
            "yearly_rule_starts": "issue_year", "consequence": "not_eligible",
        }
        CreditScheme.objects.get_or_create(
            credential=credential, province=None, effective_from=datetime.date(2019, 1, 1),
            defaults={**common, "source": "000: 每年不少于8学时，证书有效期内不少于24学时"},
        )
        CreditScheme.objects.get_or_create(
            credential=credential, province=guangdong, effective_from=datetime.date(2024, 1, 15),
            defaults={**common, "source": "000（广东）: 2024-01-15 前取得的学时继续有效"},
        )
    for credential in Credential.objects.filter(code__in=SITE):
        CreditScheme.objects.get_or_create(
            credential=credential, province=None, effective_from=datetime.date(2019, 1, 1),
            defaults={
                "validity_years": 3, "hours_per_year": 32, "professional_hours_per_year": 22,
                "window_years": 2, "window_hours": 64, "yearly_rule_starts": "year_after_issue", "consequence": "void",
                "source": "002, 004: 发证次年起每年不少于32学时（专业岗位知识不少于22学时）；两年不足64学时证书失效",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("hours", "0003_credit_rules_batches_certificates"), ("lms", "0003_seed_credentials")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
