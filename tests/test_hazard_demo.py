"""The demo county's 隐患台账: a year of hazards from the inspections, a handful 重大 with one
挂牌督办, linked to the 排查 task; loaded once."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from checklist.models import ChecklistItem, Theme
from tracker.enterprises import demo as registers_demo
from tracker.hazards import demo
from tracker.hazards.models import Hazard
from tracker.hazards.summary import task_counts
from tracker.models import Unit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def county(db, django_user_model, today):
    call_command("loaddata", str(FIXTURES / "units.json"), verbosity=0)
    django_user_model.objects.create_user(
        "anweiban", password="x", role="office", unit=Unit.objects.get(name="县安委办")
    )
    registers_demo.load(today, password="demo-pass")


def test_the_demo_has_a_year_of_hazards_a_few_major_and_one_listed(county, today):
    written = demo.load(today)
    assert 150 <= written <= 600 and Hazard.objects.count() == written
    majors = Hazard.objects.filter(level="major")
    assert 3 <= majors.count() <= 8
    assert majors.exclude(listing="").count() == 1
    states = set(Hazard.objects.values_list("state", flat=True))
    assert {"pending", "fixing", "review", "closed"} <= states
    assert Hazard.objects.filter(enterprise=None).exists()
    assert all(h.found_on <= today for h in Hazard.objects.all())
    assert demo.load(today) == 0


def test_the_demo_task_counts_its_hazards(county, today):
    item = ChecklistItem.objects.create(
        code=f"{today.year}-900", title="对辖区生产经营场所开展拉网式排查并建立一企一档台账",
        theme=Theme.objects.create(name="隐患排查治理"), start_date=today - timedelta(days=365),
        deadline=today + timedelta(days=30),
    )  # fmt: skip
    demo.load(today)
    counts = task_counts(item)
    assert counts.found > 0 and counts.enterprises > 0 and counts.closed <= counts.found
