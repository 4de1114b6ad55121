"""领导批示: a leader's instruction reaches the units concerned and waits for their answer."""

from django.urls import reverse

from tracker import instructions, services
from tracker.models import Assignment, Notice, StatusUpdate


def test_a_leaders_instruction_on_an_item_reaches_every_unit_still_working_on_it(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    client = login(world.leader)
    response = client.post(
        reverse("item_instruction", args=[world.item.pk]), {"note": "要压实责任，月底前见效。"}
    )
    assert response.status_code == 302
    rows = StatusUpdate.objects.filter(kind="instruction")
    assert {r.assignment_id for r in rows} == {world.b_item.pk, world.lead.pk}
    assert {r.author for r in rows} == {world.leader}
    notices = Notice.objects.filter(level="leader")
    assert {n.unit for n in notices} == {world.town_b, world.dept}
    assert all("要压实责任" in n.body for n in notices)
    # A 批示 changes nothing a unit reported.
    assert Assignment.objects.get(pk=world.b_item.pk).status == "not_started"


def test_an_instruction_waits_until_the_unit_reports_again(world):
    services.assignment_report(assignment=world.b_item, user=world.staff_b, percent=20)
    [row] = instructions.instruction_write(
        user=world.leader, item=world.item, assignment=world.b_item, note="请加快进度。"
    )
    shares = Assignment.objects.filter(pk=world.b_item.pk)
    assert list(instructions.unanswered(shares)) == [row]
    services.assignment_report(
        assignment=world.b_item, user=world.staff_b, percent=50, note="已落实批示"
    )
    assert list(instructions.unanswered(shares)) == []
    assert StatusUpdate.objects.filter(kind="instruction").count() == 1  # still in the history


def test_only_leaders_write_instructions(login, world):
    for user in (world.office, world.staff_a):
        response = login(user).post(
            reverse("assignment_instruction", args=[world.a_item.pk]), {"note": "越权批示"}
        )
        assert response.status_code == 403
    assert not StatusUpdate.objects.filter(kind="instruction").exists()


def test_a_leaders_instruction_on_one_share_goes_to_that_unit_only(login, world):
    response = login(world.leader).post(
        reverse("assignment_instruction", args=[world.a_item.pk]), {"note": "请抓紧。"}
    )
    assert response.status_code == 302
    assert list(Notice.objects.filter(level="leader").values_list("unit", flat=True)) == [
        world.town_a.pk
    ]


def test_an_empty_instruction_is_refused_with_a_message(login, world):
    client = login(world.leader)
    response = client.post(
        reverse("item_instruction", args=[world.item.pk]), {"note": "\u200b \u3000"}
    )
    assert response.status_code == 400
    assert "请填写批示内容" in response.content.decode()
    assert not StatusUpdate.objects.filter(kind="instruction").exists()


def test_the_unit_sees_the_instruction_at_the_top_of_its_task_until_it_reports(login, world):
    instructions.instruction_write(
        user=world.leader, item=world.item, assignment=world.a_item, note="请月底前见效。"
    )
    client = login(world.staff_a)
    url = reverse("assignment_detail", args=[world.a_item.pk])
    page = client.get(url).content.decode()
    assert "领导批示" in page and "请月底前见效。" in page
    assert page.index("请月底前见效。") < page.index("办理记录")
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=30, note="已按批示落实"
    )
    page = client.get(url).content.decode()
    assert 'class="notice instruction"' not in page
    assert "请月底前见效。" in page  # still in the history


def test_a_leader_finds_the_instruction_form_on_a_units_task_and_the_office_does_not(login, world):
    url = reverse("assignment_detail", args=[world.a_item.pk])
    assert reverse("assignment_instruction", args=[world.a_item.pk]) in (
        login(world.leader).get(url).content.decode()
    )
    assert reverse("assignment_instruction", args=[world.a_item.pk]) not in (
        login(world.office).get(url).content.decode()
    )


def test_the_lead_unit_and_the_office_find_the_whole_item_from_a_task(
    login, world, django_user_model
):
    dept = django_user_model.objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept
    )
    item_url = reverse("item_detail", args=[world.item.pk])
    lead_page = login(dept).get(reverse("assignment_detail", args=[world.lead.pk]))
    assert item_url in lead_page.content.decode()
    own = login(world.staff_a).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert item_url not in own.content.decode()
