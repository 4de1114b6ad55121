"""The demo county's 隐患台账: a year of hazards from the inspections, a handful 重大 with one
挂牌督办, linked to the 排查 task; loaded once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from checklist.models import ChecklistItem, Theme
from tests.registers_demo import load_registers_demo
from tracker.hazards import demo
from tracker.hazards.models import Hazard, HazardPhoto
from tracker.hazards.summary import task_counts
from tracker.models import User


@pytest.fixture(scope="module")
def registers(committed):
    """The registers loaded once for the module: the day they are dated from."""
    today, _ = committed(load_registers_demo)
    return today


@pytest.fixture
def county(registers, db, today):
    assert today == registers  # the registers are dated from the day the tests run on


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


def test_every_closed_demo_hazard_has_photos_before_and_after_and_a_share_of_the_rest_before(
    county, today, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    demo.load(today)
    closed = Hazard.objects.filter(state="closed")
    assert closed.exists()
    for hazard in closed.prefetch_related("photos"):
        assert {p.stage for p in hazard.photos.all()} == {"before", "after"}
    others = Hazard.objects.exclude(state="closed")
    with_photo = others.filter(photos__stage="before").distinct().count()
    assert 0 < with_photo < others.count()
    photo = HazardPhoto.objects.filter(stage="after").first()
    data = photo.file.open("rb").read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == photo.size < 2000
    assert photo.content_type == "image/png" and photo.file.name.startswith("hazards/")


def test_the_demo_photos_show_on_the_hazards_page(county, today, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    demo.load(today)
    hazard = Hazard.objects.filter(state="closed").first()
    client.force_login(User.objects.get(username="anweiban"))
    page = client.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    after = hazard.photos.get(stage="after")
    assert reverse("hazards:photo_download", args=[after.pk]) in page
    response = client.get(reverse("hazards:photo_download", args=[after.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
