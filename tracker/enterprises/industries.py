"""The ten 行业类别 the speeches name. The first migration writes them; the demo and the tests'
world make sure of them again (a flushed test database has lost what migrations wrote)."""

from tracker.enterprises.models import Industry

# (name, 信用代码可不填)
DEFAULT_INDUSTRIES = [
    ("煤矿", False),
    ("非煤矿山", False),
    ("危险化学品", False),
    ("烟花爆竹", False),
    ("工贸", False),
    ("建筑施工", False),
    ("交通运输", False),
    ("人员密集场所", False),
    ("九小场所", True),
    ("其他", False),
]


def ensure_industries() -> dict[str, Industry]:
    found = {}
    for order, (name, optional) in enumerate(DEFAULT_INDUSTRIES, start=1):
        found[name], _ = Industry.objects.get_or_create(
            name=name, defaults={"sort_order": order * 10, "credit_code_optional": optional}
        )
    return found
