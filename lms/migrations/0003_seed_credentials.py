from django.db import migrations

# DOMAIN.md: 安管人员 A/B/C (003); 施工现场专业人员 post codes (002, 004); 特种作业 kinds (001).
CREDENTIALS = [
    ("A", "安管人员A类（主要负责人）", "safety_manager"),
    ("B", "安管人员B类（项目负责人）", "safety_manager"),
    ("C", "安管人员C类（专职安全生产管理人员）", "safety_manager"),
    ("101", "土建施工员", "site_professional"),
    ("102", "装饰装修施工员", "site_professional"),
    ("103", "设备安装施工员", "site_professional"),
    ("104", "市政工程施工员", "site_professional"),
    ("106", "土建质量员", "site_professional"),
    ("107", "装饰装修质量员", "site_professional"),
    ("108", "设备安装质量员", "site_professional"),
    ("109", "市政工程质量员", "site_professional"),
    ("111", "材料员", "site_professional"),
    ("112", "机械员", "site_professional"),
    ("113", "劳务员", "site_professional"),
    ("114", "资料员", "site_professional"),
    ("115", "标准员", "site_professional"),
    ("AQY", "安全员", "site_professional"),
    ("TZ01", "建筑电工", "special_operations"),
    ("TZ02", "建筑架子工", "special_operations"),
    ("TZ03", "建筑起重信号司索工", "special_operations"),
    ("TZ04", "建筑起重机械司机", "special_operations"),
    ("TZ05", "建筑起重机械安装拆卸工", "special_operations"),
    ("TZ06", "高处作业吊篮安装拆卸工", "special_operations"),
]


def seed(apps, schema_editor):
    Credential = apps.get_model("lms", "Credential")
    for order, (code, name, family) in enumerate(CREDENTIALS):
        Credential.objects.update_or_create(code=code, defaults={"name": name, "family": family, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("lms", "0002_credential")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
