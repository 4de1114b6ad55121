"""分解数量 on the item's page and in the admin: the split, its warning, 按单位平均分解."""

import re
from decimal import Decimal
from html import unescape

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tracker import services
from tracker.models import Assignment, StatusUpdate


def text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def _with_units(world):
    """The 40 家 item given to townships A and B and, as its lead, the department."""
    world.b_target = services.assignment_create(
        item=world.item_target, unit=world.town_b, user=world.office
    )
    world.lead_target = services.assignment_create(
        item=world.item_target, unit=world.dept, user=world.office, role="lead"
    )
    return world


def shares_of(item):
    return dict(Assignment.objects.filter(item=item).values_list("unit__name", "share_quantity"))


def test_the_item_page_warns_when_the_shares_do_not_make_up_the_county_target(login, world):
    _with_units(world)
    for share, quantity in ((world.a_target, 20), (world.b_target, 18)):
        services.assignment_change(
            assignment=share, user=world.office, share_quantity=Decimal(quantity)
        )
    page = text(login(world.office).get(reverse("item_detail", args=[world.item_target.pk])))
    assert "已分解 38 / 40 家（未分解：应急局）" in page
    assert "按单位平均分解" in page


def test_the_item_page_shows_each_units_share_and_progress_against_it(login, world):
    _with_units(world)
    services.assignment_change(assignment=world.a_target, user=world.office, share_quantity=8)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=6)
    html = login(world.office).get(reverse("item_detail", args=[world.item_target.pk]))
    row = re.search(
        rf'<tr data-share="{world.a_target.pk}">(.*?)</tr>', html.content.decode(), re.S
    )
    cells = unescape(re.sub(r"<[^>]+>", " ", row[1]))
    assert "8 家" in cells and "6 / 8 家" in cells
    assert "6 / 40 家" in text(html)  # the county figure


def test_the_office_splits_the_item_evenly_from_its_page(login, world):
    _with_units(world)
    client = login(world.office)
    response = client.post(reverse("item_split", args=[world.item_target.pk]))
    assert response.status_code == 302
    assert shares_of(world.item_target) == {"县应急管理局": 14, "城关镇": 13, "河西镇": 13}
    page = text(client.get(response["Location"]))
    assert "已按单位平均分解，3 个单位的分解数量有变化" in page
    assert "已分解 40 / 40 家" in page


def test_a_split_the_service_refuses_is_explained_on_the_page(login, world):
    client = login(world.office)
    response = client.post(reverse("item_split", args=[world.item.pk]), follow=True)
    assert "没有目标数量，无需分解" in text(response)


def test_only_the_office_is_offered_and_allowed_the_split(login, world):
    _with_units(world)
    lead_staff = world.dept_staff = type(world.staff_a).objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept
    )
    client = login(lead_staff)
    page = client.get(reverse("item_detail", args=[world.item_target.pk]))
    assert page.status_code == 200 and "按单位平均分解" not in text(page)
    assert client.post(reverse("item_split", args=[world.item_target.pk])).status_code == 403
    assert set(shares_of(world.item_target).values()) == {None}


def test_the_admin_sets_a_share_on_the_items_page_through_the_services(login, world):
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_change", args=[world.item_target.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "theme": world.theme_std.pk,
            "start_date": world.item_target.start_date.isoformat(),
            "deadline": world.item_target.deadline.isoformat(),
            "target_quantity": "40",
            "target_unit": "家",
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "1",
            "assignments-0-id": world.a_target.pk,
            "assignments-0-item": world.item_target.pk,
            "assignments-0-unit": world.town_a.pk,
            "assignments-0-role": "responsible",
            "assignments-0-share_quantity": "8",
            "assignments-0-due_date": world.item_target.deadline.isoformat(),
        }
    )
    data.pop("directive", None)
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert shares_of(world.item_target) == {"城关镇": 8}
    assert StatusUpdate.objects.get(assignment=world.a_target, kind="edit").note == (
        "分解数量：未分解→8家"
    )
    assert "已分解 8 / 40 家" in text(response)  # the warning after saving
    page = text(client.get(url))
    assert "分解情况" in page and "已分解 8 / 40 家。各单位分解数量合计与目标数量不一致" in page


def test_the_admin_refuses_a_share_for_a_cooperating_unit(login, world):
    client = login(world.office)
    url = reverse("admin:tracker_assignment_change", args=[world.a_target.pk])
    response = client.post(
        url,
        {
            "role": "cooperate",
            "share_quantity": "5",
            "due_date": world.item_target.deadline.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "配合单位不计入完成率，没有分解数量。" in text(response)
    world.a_target.refresh_from_db()
    assert world.a_target.share_quantity is None and world.a_target.role == "responsible"


def test_the_admin_action_splits_the_selected_items(login, world):
    _with_units(world)
    response = login(world.office).post(
        reverse("admin:checklist_checklistitem_changelist"),
        {"action": "split_evenly", ACTION_CHECKBOX_NAME: [world.item_target.pk, world.item.pk]},
        follow=True,
    )
    page = text(response)
    assert f"已按单位平均分解 1 项任务：{world.item_target.code}。" in page
    assert f"任务 {world.item.code} 没有目标数量，无需分解。" in page
    assert shares_of(world.item_target) == {"县应急管理局": 14, "城关镇": 13, "河西镇": 13}


def test_the_admin_keeps_a_target_whose_units_have_shares(login, world):
    services.assignment_change(assignment=world.a_target, user=world.office, share_quantity=8)
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_change", args=[world.item_target.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "theme": world.theme_std.pk,
            "start_date": world.item_target.start_date.isoformat(),
            "deadline": world.item_target.deadline.isoformat(),
            "target_quantity": "100",
            "target_unit": "%",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        }
    )
    data.pop("directive", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "比率目标（%）不分解数量：请先清除各单位的分解数量。" in text(response)


def test_the_admin_says_the_target_is_the_countys_and_how_rates_differ(login, world):
    page = text(login(world.office).get(reverse("admin:checklist_checklistitem_add")))
    assert "全县的目标（如 40 家）" in page
    assert "比率目标填 %" in page
