"""企业台账: who sees which enterprises, the list's filters, an enterprise's file."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tracker.enterprises import selectors, services
from tracker.enterprises.models import Enterprise
from tracker.enterprises.periods import quarter_of

LIST = "enterprises:enterprise_list"


def names(response) -> set[str]:
    page = response.content.decode()
    return {
        name
        for name in ["城关皮革制品有限公司", "城关加油站", "东关小吃店", "河西化工有限公司"]
        if name in page
    }


@pytest.mark.parametrize(
    "who, expected",
    [
        ("office", {"城关皮革制品有限公司", "城关加油站", "东关小吃店", "河西化工有限公司"}),
        ("leader", {"城关皮革制品有限公司", "城关加油站", "东关小吃店", "河西化工有限公司"}),
        ("staff_a", {"城关皮革制品有限公司", "城关加油站", "东关小吃店"}),
        ("staff_b", {"河西化工有限公司"}),
        ("grid_a", {"城关皮革制品有限公司"}),
        ("grid_b", {"河西化工有限公司"}),
    ],
)
def test_each_role_sees_exactly_its_own_enterprises(login, world, registers, who, expected):
    response = login(getattr(world, who)).get(reverse(LIST))
    assert response.status_code == 200
    assert names(response) == expected


def test_a_department_sees_the_enterprises_it_supervises_across_townships(
    login, world, registers, django_user_model
):
    dept_staff = django_user_model.objects.create_user(
        "dept", password="x", role="staff", unit=world.dept
    )
    response = login(dept_staff).get(reverse(LIST))
    # 工贸 and 危化 are the department's; the 九小场所 is not.
    assert names(response) == {"城关皮革制品有限公司", "城关加油站", "河西化工有限公司"}


def test_a_grid_member_sees_the_grids_below_their_own(login, world, registers):
    services.grid_create(
        user=world.office, township=world.town_a, name="东关一网格南片", parent=registers.grid_a1
    )
    sub = registers.grid_a1.children.get()
    services.enterprise_set_grid(user=world.office, enterprise=registers.station, grid=sub)
    assert set(selectors.enterprises_for_user(world.grid_a)) == {
        registers.tannery,
        registers.station,
    }


@pytest.mark.parametrize("who", ["staff_b", "grid_b", "grid_a"])
def test_another_townships_or_grids_enterprise_file_is_not_found(login, world, registers, who):
    target = registers.station if who == "grid_a" else registers.tannery
    response = login(getattr(world, who)).get(
        reverse("enterprises:enterprise_detail", args=[target.pk])
    )
    assert response.status_code == 404


def test_the_list_filters_by_industry_risk_and_level(login, world, registers):
    client = login(world.office)
    by_industry = client.get(reverse(LIST), {"industry": registers.chemicals.pk})
    assert names(by_industry) == {"城关加油站", "河西化工有限公司"}
    by_risk = client.get(reverse(LIST), {"risk": "major"})
    assert names(by_risk) == {"河西化工有限公司"}
    by_town = client.get(reverse(LIST), {"township": world.town_b.pk})
    assert names(by_town) == {"河西化工有限公司"}
    by_level = client.get(reverse(LIST), {"level": "none", "q": "城关"})
    assert names(by_level) == {"城关皮革制品有限公司", "城关加油站"}


def test_the_uninspected_filter_keeps_those_without_an_inspection_this_quarter(
    login, world, registers, today
):
    services.inspection_record(
        user=world.grid_a,
        enterprise=registers.tannery,
        inspected_on=today,
        result="clear",
        signature="刘网格",
    )
    quarter = quarter_of(today)
    response = login(world.staff_a).get(reverse(LIST), {"uninspected": quarter.key})
    assert names(response) == {"城关加油站", "东关小吃店"}
    last_quarter = quarter.previous()
    response = login(world.staff_a).get(reverse(LIST), {"uninspected": last_quarter.key})
    assert names(response) == {"城关皮革制品有限公司", "城关加油站", "东关小吃店"}


def test_a_closed_enterprise_is_not_counted_as_uninspected(login, world, registers, today):
    Enterprise.objects.filter(pk=registers.snack.pk).update(state="closed")
    response = login(world.staff_a).get(reverse(LIST), {"uninspected": quarter_of(today).key})
    assert "东关小吃店" not in names(response)


def test_an_enterprises_file_shows_its_inspections_and_standardization(
    login, world, registers, today
):
    services.inspection_record(
        user=world.grid_a,
        enterprise=registers.tannery,
        inspected_on=today - timedelta(days=1),
        result="hazards",
        hazards=["配电箱无漏电保护", "灭火器过期"],
        signature="刘网格",
    )
    services.standardization_create(
        user=world.office,
        enterprise=registers.tannery,
        level="small",
        state="achieved",
        achieved_on=today - timedelta(days=30),
        certificate_no="XW-001",
        valid_until=today + timedelta(days=1000),
    )
    page = login(world.staff_a).get(
        reverse("enterprises:enterprise_detail", args=[registers.tannery.pk])
    )
    text = page.content.decode()
    assert "发现隐患 2 处" in text and "灭火器过期" in text
    assert "小微企业达标" in text and "XW-001" in text


def test_a_leader_reads_a_file_without_any_form(login, world, registers):
    text = (
        login(world.leader)
        .get(reverse("enterprises:enterprise_detail", args=[registers.tannery.pk]))
        .content.decode()
    )
    assert "录入巡查" not in text and "登记标准化创建" not in text


def test_the_register_page_costs_the_same_queries_for_more_enterprises(
    login, world, registers, django_assert_max_num_queries
):
    client = login(world.office)
    client.get(reverse(LIST))  # warm the session
    for n in range(60):
        Enterprise.objects.create(
            name=f"批量企业{n:02d}", township=world.town_a, industry=registers.small
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse(LIST), {"industry": registers.small.pk, "page": 2})
    assert response.status_code == 200
    # 61 九小场所 in pages of 25: the next page keeps the filter.
    assert f"?industry={registers.small.pk}&amp;page=3" in response.content.decode()
    assert "批量企业25" in response.content.decode()


def test_an_enterprises_file_costs_the_same_queries_for_more_inspections(
    login, world, registers, today, django_assert_max_num_queries
):
    client = login(world.office)
    url = reverse("enterprises:enterprise_detail", args=[registers.tannery.pk])
    client.get(url)
    for n in range(12):
        services.inspection_record(
            user=world.office, enterprise=registers.tannery,
            inspected_on=today - timedelta(days=n), result="hazards",
            hazards=[f"隐患{n}", "灭火器过期"], signature="检查人",
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
