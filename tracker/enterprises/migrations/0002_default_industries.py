"""The ten 行业类别 the speeches name, each with its usual 行业监管部门 when the county's
units already hold one by that name (a fresh database gets them from the demo or the admin)."""

from django.db import migrations

# (name, the department's name contains, 信用代码可不填)
INDUSTRIES = [
    ("煤矿", "应急", False),
    ("非煤矿山", "应急", False),
    ("危险化学品", "应急", False),
    ("烟花爆竹", "应急", False),
    ("工贸", "应急", False),
    ("建筑施工", "住房和城乡建设", False),
    ("交通运输", "交通运输", False),
    ("人员密集场所", "消防", False),
    ("九小场所", "消防", True),
    ("其他", "应急", False),
]


def add(apps, schema_editor):
    Industry = apps.get_model("enterprises", "Industry")
    Unit = apps.get_model("tracker", "Unit")
    for order, (name, department, optional) in enumerate(INDUSTRIES, start=1):
        supervisor = (
            Unit.objects.filter(kind="department", name__contains=department)
            .order_by("sort_order", "name")
            .first()
        )
        Industry.objects.get_or_create(
            name=name,
            defaults={
                "sort_order": order * 10,
                "credit_code_optional": optional,
                "supervisor": supervisor,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
