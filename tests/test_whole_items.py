"""The task as a whole: the 按任务 view, the item's page, 整体销号 and the lead's 汇总情况."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services, whole_items
from tracker.models import Assignment, StatusUpdate

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _submit_all(world):
    for share, user in ((world.a_item, world.staff_a), (world.b_item, world.staff_b)):
        services.assignment_submit(assignment=share, user=user, percent=100, note="已完成")
    services.assignment_submit(assignment=world.lead, user=world.office, percent=100)


def test_the_office_closes_every_waiting_share_of_an_item_in_one_step(login, world):
    _submit_all(world)
    client = login(world.office)
    page = client.get(reverse("item_detail", args=[world.item.pk]))
    assert "销号 3 个待审核单位" in page.content.decode()
    response = client.post(reverse("item_close", args=[world.item.pk]), {"note": "材料齐全"})
    assert response.status_code == 302
    statuses = set(Assignment.objects.filter(item=world.item).values_list("status", flat=True))
    assert statuses == {"verified"}
    approvals = StatusUpdate.objects.filter(assignment__item=world.item, kind="approve")
    assert approvals.count() == 3 and {u.note for u in approvals} == {"材料齐全"}
    page = client.get(reverse("item_detail", args=[world.item.pk])).content.decode()
    assert "已整体办结" in page and "整体销号" not in page


def test_closing_leaves_shares_still_with_their_units_open(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    assert whole_items.item_close(item=world.item, user=world.office) == 1
    world.b_item.refresh_from_db()
    assert world.b_item.status == "not_started"
    state = whole_items.whole_state(whole_items.shares_of(world.item))
    assert state == {"total": 3, "verified": 1, "submitted": 0, "done": False}


def test_closing_with_nothing_waiting_says_so(login, world):
    client = login(world.office)
    response = client.post(reverse("item_close", args=[world.item.pk]), {"note": ""})
    assert response.status_code == 400
    assert "该任务没有待审核的责任分解可以销号" in response.content.decode()


def test_only_the_office_may_close_an_item(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    response = login(world.leader).post(reverse("item_close", args=[world.item.pk]), {})
    assert response.status_code == 403
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted"


def test_the_lead_unit_sees_every_units_share_and_writes_the_summary_with_a_photo(
    login, world, django_user_model
):
    dept_staff = django_user_model.objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept
    )
    services.assignment_report(assignment=world.b_item, user=world.staff_b, percent=40)
    client = login(dept_staff)
    page = client.get(reverse("item_detail", args=[world.item.pk])).content.decode()
    assert "城关镇" in page and "河西镇" in page and "40%" in page
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(
        reverse("item_summary", args=[world.item.pk]),
        {"note": "两镇排查已过半，河西镇进度40%。", "files": [photo]},
    )
    assert response.status_code == 302
    summary = StatusUpdate.objects.get(kind="summary")
    assert summary.assignment == world.lead and summary.evidence.count() == 1
    world.lead.refresh_from_db()
    assert world.lead.status == "not_started"  # a summary changes no status
    office_page = login(world.office).get(reverse("item_detail", args=[world.item.pk]))
    html = office_page.content.decode()
    assert "两镇排查已过半" in html and '<img src="/evidence/' in html


def test_a_responsible_unit_neither_sees_the_whole_item_nor_writes_its_summary(login, world):
    client = login(world.staff_a)
    assert client.get(reverse("item_detail", args=[world.item.pk])).status_code == 404
    response = client.post(reverse("item_summary", args=[world.item.pk]), {"note": "越权"})
    assert response.status_code == 404
    assert not StatusUpdate.objects.filter(kind="summary").exists()


def test_a_summary_made_of_invisible_characters_is_refused(world, django_user_model):
    dept_staff = django_user_model.objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept
    )
    with pytest.raises(services.WorkflowError):
        whole_items.item_summary(item=world.item, user=dept_staff, note="\u200b\ufeff")


def test_the_by_item_view_shows_one_row_per_item_with_its_units_badges(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    html = login(world.leader).get(reverse("item_list")).content.decode()
    rows = re.findall(r'<tr data-item="(\d+)">(.*?)</tr>', html, re.S)
    assert [pk for pk, _ in rows] == [str(world.item.pk), str(world.item_target.pk)]
    first = rows[0][1]
    assert "应急局" in first  # the lead
    assert 'class="badge-unit status-verified" title="城关镇：已办结"' in first
    assert 'title="河西镇：未开始"' in first and "1/3 已办结" in first
    assert "0 / 40 家" in rows[1][1]
    assert "共 2 项任务" in html  # leaders see published items only


def test_the_by_item_views_quantity_is_the_county_figure_as_on_the_dashboard(login, world):
    b = services.assignment_create(item=world.item_target, unit=world.town_b, user=world.office)
    services.assignment_change(assignment=world.a_target, user=world.office, share_quantity=25)
    services.assignment_change(assignment=b, user=world.office, share_quantity=15)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=30)
    html = login(world.leader).get(reverse("item_list")).content.decode()
    rows = dict(re.findall(r'<tr data-item="(\d+)">(.*?)</tr>', html, re.S))
    # 30 reported, 25 of them within 城关镇's share; 河西镇 has none yet.
    assert "25 / 40 家" in rows[str(world.item_target.pk)]


def test_the_by_item_view_filters_by_whole_state(login, world):
    services.assignment_submit(assignment=world.a_target, user=world.staff_a, quantity=40)
    services.assignment_approve(assignment=world.a_target, user=world.office)
    client = login(world.office)
    done = client.get(reverse("item_list"), {"state": "done"}).content.decode()
    assert re.findall(r'<tr data-item="(\d+)">', done) == [str(world.item_target.pk)]
    open_items = client.get(reverse("item_list"), {"state": "open"}).content.decode()
    assert str(world.item_target.pk) not in re.findall(r'<tr data-item="(\d+)">', open_items)


def test_townships_do_not_get_the_by_item_view(login, world):
    assert login(world.staff_a).get(reverse("item_list")).status_code == 403
