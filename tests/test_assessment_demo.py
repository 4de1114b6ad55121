"""The demo county's 年度考核: a mid-year 预评 of every township and department with lines
that link to their rows, the 较大事故's 一票否决, an office bonus and a pending 申诉."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.assessment.models import Adjustment, Appeal, Scheme
from tracker.models import Unit, User


@pytest.fixture(scope="module")
def demo_output(committed):
    def load():
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    return committed(load)


@pytest.fixture
def county(demo_output, db):
    return demo_output


def test_the_demo_prints_its_schemes_bonus_and_appeal(county):
    assert "年度考核：" in county and "待处理申诉 1 条" in county


def test_every_township_and_department_has_a_pre_assessment(county, client):
    client.force_login(User.objects.get(username="lingdao"))
    page = client.get(reverse("assessment:index"))
    leagues = {label: records for label, _s, records in page.context["leagues"]}
    for kind, label in Scheme.Kind.choices:
        units = Unit.objects.filter(kind=kind, active=True).count()
        assert len(leagues[label]) == units
        assert all(len(r["items"]) == 6 for r in leagues[label])
    grades = {r["grade"] for records in leagues.values() for r in records}
    assert len(grades) >= 2


def test_the_demo_larger_accident_vetoes_its_township(county, client):
    client.force_login(User.objects.get(username="lingdao"))
    page = client.get(reverse("assessment:index"))
    townships = dict((label, records) for label, _s, records in page.context["leagues"])["乡镇街道"]
    vetoed = [r for r in townships if r["vetoes"]]
    assert vetoed and all(r["grade"] == "不合格" for r in vetoed)
    assert "较大及以上生产安全事故" in vetoed[0]["vetoes"][0]
    assert "一票否决" in page.content.decode()


def test_the_demo_township_sees_its_pending_appeal_and_its_lines_link_to_their_rows(county, client):
    appeal = Appeal.objects.get(state="pending")
    staff = User.objects.get(role="staff", unit=appeal.unit)
    client.force_login(staff)
    year = appeal.rule.item.scheme.year
    page = client.get(reverse("assessment:unit", args=[year, appeal.unit_id]))
    assert page.status_code == 200
    assert appeal.reason in page.content.decode()
    for item in page.context["record"]["items"]:
        for line in item["lines"]:
            if line["url"] and line["kind"] in ("overdue", "missed", "returned", "hazard"):
                listed = client.get(line["url"]).context
                count = listed["rows_count"] if "rows_count" in listed else None
                if count is None:
                    count = listed["table"].paginator.count
                assert count == line["count"], line


def test_the_demo_bonus_shows_on_its_townships_detail(county, client):
    bonus = Adjustment.objects.get()
    client.force_login(User.objects.get(username="anweiban"))
    year = bonus.item.scheme.year
    page = client.get(reverse("assessment:unit", args=[year, bonus.unit_id]))
    assert bonus.reason in page.content.decode()
    assert page.context["record"]["items"][0]["adjustment"] == "1.00"
