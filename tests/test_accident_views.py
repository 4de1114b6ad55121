"""The 事故台账's pages: who sees what (a township its own, a department its industries, the
office and leaders all, 网格员 nothing), recording on the form with clear Chinese refusals, the
detail with its history, voiding, the export, and the office's 控制指标 page."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tracker.accidents import services
from tracker.accidents.models import Accident, ControlIndicator

LIST = reverse("accidents:accident_list")
NEW = reverse("accidents:accident_new")
INDICATORS = reverse("accidents:indicators")


def record(world, today, township, **extra):
    fields = dict(
        user=world.office, occurred_on=today, place="村道",
        township=township, level="general", deaths=1, injuries=0,
        description="农用车侧翻", today=today,
    )  # fmt: skip
    fields.update(extra)
    return services.accident_record(**fields)


@pytest.fixture
def dept_staff(world, django_user_model):
    return django_user_model.objects.create_user(
        username="dept_staff", password="x", role="staff", unit=world.dept,
        display_name="应急局刘干事",
    )  # fmt: skip


@pytest.fixture
def rows(world, registers, today):
    """One accident in A at the tannery (工贸, supervised by the department), one in B on a road."""
    a = record(world, today, world.town_a, enterprise=registers.tannery, place="车间")
    b = record(world, today, world.town_b, deaths=0, injuries=2)
    return a, b


def numbers(response):
    return {a.number for a in response.context["page"]}


@pytest.mark.parametrize(
    "who, sees",
    [("office", {"a", "b"}), ("leader", {"a", "b"}), ("staff_a", {"a"}), ("staff_b", {"b"})],
)
def test_the_register_lists_what_each_user_may_see(world, rows, login, who, sees):
    response = login(getattr(world, who)).get(LIST)
    assert response.status_code == 200
    expected = {dict(zip("ab", rows, strict=True))[k].number for k in sees}
    assert numbers(response) == expected


def test_a_department_sees_the_accidents_of_the_industries_it_supervises(rows, login, dept_staff):
    assert numbers(login(dept_staff).get(LIST)) == {rows[0].number}


@pytest.mark.parametrize("who", ["grid_a", "grid_b"])
def test_grid_members_are_refused_the_register(world, rows, login, who):
    client = login(getattr(world, who))
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("accidents:accident_detail", args=[rows[0].pk])).status_code == 404


def test_another_townships_accident_is_not_found(world, rows, login):
    client = login(world.staff_b)
    for name in ("accident_detail", "accident_edit"):
        assert client.get(reverse(f"accidents:{name}", args=[rows[0].pk])).status_code == 404
    response = client.post(reverse("accidents:accident_void", args=[rows[0].pk]), {"reason": "x"})
    assert response.status_code == 404
    assert not Accident.objects.filter(voided=True).exists()


def test_the_unit_link_lists_exactly_the_units_accidents_of_the_year(world, rows, login, today):
    old = record(world, today, world.town_a, occurred_on=date(today.year - 1, 6, 1))
    client = login(world.office)
    response = client.get(LIST, {"unit": world.town_a.pk, "year": today.year})
    assert numbers(response) == {rows[0].number}
    assert response.content.decode().count('class="accident-row"') == 1
    last_year = client.get(LIST, {"unit": world.town_a.pk, "year": today.year - 1})
    assert numbers(last_year) == {old.number}
    dept = client.get(LIST, {"unit": world.dept.pk, "year": today.year})
    assert numbers(dept) == {rows[0].number}


def test_the_unit_link_may_count_up_to_an_earlier_day(world, rows, login, today):
    if (today - timedelta(days=10)).year != today.year:
        pytest.skip("the year has only started")
    earlier = record(world, today, world.town_a, occurred_on=today - timedelta(days=10))
    cut = today - timedelta(days=5)
    response = login(world.office).get(
        LIST, {"unit": world.town_a.pk, "year": today.year, "until": cut.isoformat()}
    )
    assert numbers(response) == {earlier.number}
    assert f"截至{cut:%Y-%m-%d}" in response.content.decode()


def test_an_unknown_unit_lists_nothing_rather_than_everything(world, rows, login, today):
    response = login(world.office).get(LIST, {"unit": 999999, "year": today.year})
    assert response.status_code == 200
    assert numbers(response) == set()


def test_the_filters_narrow_by_township_and_level(world, rows, login, today):
    serious = record(world, today, world.town_b, deaths=3, level="large")
    client = login(world.office)
    assert numbers(client.get(LIST, {"township": world.town_b.pk})) == {
        rows[1].number, serious.number,
    }  # fmt: skip
    assert numbers(client.get(LIST, {"level": "large"})) == {serious.number}
    assert numbers(client.get(LIST, {"year": today.year - 1})) == set()


def test_voided_accidents_leave_the_list_unless_asked(world, rows, login):
    services.accident_void(user=world.office, accident=rows[1], reason="重复")
    client = login(world.office)
    assert numbers(client.get(LIST)) == {rows[0].number}
    assert numbers(client.get(LIST, {"voided": "1"})) == {r.number for r in rows}


def form_data(world, today, **extra):
    data = {
        "occurred_on": (today - timedelta(days=1)).isoformat(), "township": world.town_a.pk,
        "place": "东关村民房", "enterprise_name": "", "industry": "", "level": "general",
        "deaths": "1", "injuries": "0", "direct_loss": "5", "description": "自建房施工坠落",
        "state": "investigating", "closed_on": "",
    }  # fmt: skip
    data.update(extra)
    return data


def test_a_township_records_an_accident_on_the_form(world, login, today):
    response = login(world.staff_a).post(NEW, form_data(world, today))
    accident = Accident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accidents:accident_detail", args=[accident.pk])
    assert accident.township == world.town_a and accident.recorded_by == world.staff_a
    assert accident.direct_loss == Decimal("5")


def test_the_form_takes_an_enterprise_by_its_register_name(world, registers, login, today):
    login(world.office).post(NEW, form_data(world, today, enterprise_name="城关皮革制品有限公司"))
    accident = Accident.objects.get()
    assert accident.enterprise == registers.tannery and accident.supervisor == world.dept


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"deaths": "-1"}, "死亡人数不能为负数"),
        ({"deaths": "abc"}, "死亡人数须是整数"),
        ({"occurred_on": "2999-01-01"}, "晚于今天"),
        ({"place": ""}, "请填写发生地点"),
        ({"deaths": "3"}, "至少为较大事故"),
        ({"enterprise_name": "不存在的公司"}, "企业台账中没有找到「不存在的公司」"),
        ({"enterprise_name": "河西化工有限公司"}, "不在所选的城关镇"),
        ({"direct_loss": "-3"}, "直接经济损失不能为负数"),
    ],
)
def test_bad_input_on_the_form_is_refused_in_chinese_and_nothing_written(
    world, registers, login, today, extra, message
):
    response = login(world.office).post(NEW, form_data(world, today, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Accident.objects.exists()


def test_a_department_is_not_a_township_on_the_form(world, login, today):
    response = login(world.office).post(NEW, form_data(world, today, township=world.dept.pk))
    assert response.status_code == 400
    assert "所选属地不是乡镇（街道）" in response.content.decode()
    assert not Accident.objects.exists()


def test_a_township_cannot_record_for_another_township(world, login, today):
    response = login(world.staff_a).post(NEW, form_data(world, today, township=world.town_b.pk))
    assert response.status_code == 400
    assert not Accident.objects.exists()


@pytest.mark.parametrize("who", ["leader", "grid_a"])
def test_leaders_and_grid_members_may_not_record(world, login, today, who):
    client = login(getattr(world, who))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(world, today)).status_code == 403
    assert not Accident.objects.exists()


def test_the_detail_shows_the_history_of_an_edit(world, rows, login, today):
    accident = rows[1]
    client = login(world.staff_b)
    url = reverse("accidents:accident_edit", args=[accident.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(world, today, township=world.town_b.pk, place=accident.place,
                     occurred_on=accident.occurred_on.isoformat(), deaths="0", injuries="3",
                     description=accident.description, direct_loss="0",
                     note="医院核实", version=str(accident.version))  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    detail = client.get(reverse("accidents:accident_detail", args=[accident.pk])).content.decode()
    assert "受伤人数：2 → 3" in detail and "医院核实" in detail


def test_only_the_office_voids_and_a_reason_is_required(world, rows, login):
    url = reverse("accidents:accident_void", args=[rows[0].pk])
    login(world.staff_a).post(url, {"reason": "重复"})
    rows[0].refresh_from_db()
    assert not rows[0].voided
    client = login(world.office)
    client.post(url, {"reason": ""})
    rows[0].refresh_from_db()
    assert not rows[0].voided
    client.post(url, {"reason": "重复登记"})
    rows[0].refresh_from_db()
    assert rows[0].voided and rows[0].void_reason == "重复登记"


def test_the_export_holds_the_listed_rows(world, rows, login):
    response = login(world.staff_a).get(reverse("accidents:accident_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][0] == "事故编号"
    assert [r[0] for r in values[1:]] == [rows[0].number]
    assert values[1][2] == "城关镇" and values[1][8] == 1


def test_the_office_sets_indicators_and_sees_units_over_them_in_red(world, rows, login, today):
    client = login(world.office)
    response = client.post(
        INDICATORS,
        {"year": today.year, f"deaths_{world.town_a.pk}": "0", f"accidents_{world.town_a.pk}": "2",
         f"deaths_{world.town_b.pk}": "1", f"accidents_{world.town_b.pk}": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    assert ControlIndicator.objects.count() == 2
    page = client.get(INDICATORS, {"year": today.year}).content.decode()
    row_a = page.split(f'data-unit="{world.town_a.pk}"')[1].split("</tr>")[0]
    row_b = page.split(f'data-unit="{world.town_b.pk}"')[1].split("</tr>")[0]
    assert 'class="over"' in row_a and "超指标" in row_a  # 1 death against 0
    assert "超指标" not in row_b
    assert f"?unit={world.town_a.pk}&amp;year={today.year}" in row_a


def test_a_bad_indicator_names_the_unit_and_nothing_is_saved(world, login, today):
    response = login(world.office).post(
        INDICATORS,
        {"year": today.year, f"deaths_{world.town_a.pk}": "1", f"accidents_{world.town_a.pk}": "1",
         f"deaths_{world.town_b.pk}": "-1", f"accidents_{world.town_b.pk}": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "河西镇：死亡人数控制指标不能为负数" in response.content.decode()
    assert not ControlIndicator.objects.exists()


def test_leaders_read_the_indicators_and_units_may_not(world, login, today):
    assert login(world.leader).get(INDICATORS).status_code == 200
    assert login(world.leader).post(INDICATORS, {"year": today.year}).status_code == 403
    assert login(world.staff_a).get(INDICATORS).status_code == 403


def test_the_nav_shows_the_register_to_those_who_may_read_it(world, login):
    assert LIST in login(world.staff_a).get(reverse("home")).content.decode()
    assert LIST not in login(world.grid_a).get(reverse("enterprises:grid_home")).content.decode()


def test_the_register_page_reads_a_fixed_number_of_queries(world, registers, login, today):
    client = login(world.office)

    def count():
        with CaptureQueriesContext(connection) as seen:
            assert client.get(LIST).status_code == 200
        return len(seen)

    record(world, today, world.town_a, enterprise=registers.tannery)
    few = count()
    for _ in range(6):
        record(world, today, world.town_b)
    assert count() == few
