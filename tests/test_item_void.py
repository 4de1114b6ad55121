"""作废: an item imported or published by mistake is voided with a reason, never deleted."""

import io
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from checklist.models import ChecklistItem, WorkYear
from tests.test_task_import import county, messy_sheet  # noqa: F401  (fixture)
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.excel.bulletin import write_bulletin
from tracker.excel.task_import import import_tasks
from tracker.item_void import item_void
from tracker.models import Assignment, StatusUpdate
from tracker.reminders import collect
from tracker.services import WorkflowError

REASON = "导入时重复录入，与另一项任务相同"


def void(world, item=None, user=None, reason=REASON):
    return item_void(item=item or world.item, user=user or world.office, reason=reason)


def listed(client):
    response = client.get(reverse("assignment_list"))
    assert response.status_code == 200
    return {row.record for row in response.context["table"].paginated_rows}


def test_voiding_removes_the_item_from_the_offices_task_list(login, world):
    client = login(world.office)
    assert world.a_item in listed(client)
    void(world)
    shown = listed(client)
    assert not {world.a_item, world.b_item, world.lead} & shown
    assert {world.a_target, world.a_draft} <= shown


def test_a_void_draft_leaves_the_offices_list_too(login, world):
    void(world, item=world.draft)
    assert world.a_draft not in listed(login(world.office))


def test_staff_no_longer_see_a_voided_item_nor_open_its_page(login, world):
    client = login(world.staff_a)
    void(world)
    assert world.a_item not in listed(client)
    response = client.get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert response.status_code == 404


def test_voiding_removes_the_item_from_the_home_page_counts(login, world):
    client = login(world.office)
    # The home page counts published work: four shares (the draft's is the office's own).
    assert client.get(reverse("home")).context["counts"]["total"] == 4
    void(world)
    assert client.get(reverse("home")).context["counts"]["total"] == 1


def test_voiding_removes_the_item_from_the_dashboard_counts(login, world):
    void(world)
    board = login(world.office).get(reverse("dashboard")).context["board"]
    assert board.total == 1  # only a_target: the void item's three shares and the draft are out
    assert build_dashboard(world.leader, DashboardFilters(), today=world.today).total == 1


def test_voiding_removes_the_item_from_every_sheet_of_the_bulletin(world):
    void(world)
    buffer = io.BytesIO()
    later = world.item.deadline + timedelta(days=10)
    write_bulletin(buffer, assignments=Assignment.objects.all(), today=later)
    buffer.seek(0)
    book = load_workbook(buffer)
    for sheet in ["任务明细", "逾期清单"]:
        codes = {r[0] for r in book[sheet].iter_rows(min_row=4, values_only=True)}
        assert codes == {world.item_target.code}


def test_the_bulletin_page_leaves_a_voided_item_out(login, world):
    void(world)
    response = login(world.office).get(reverse("bulletin_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content))
    codes = {r[0] for r in book["任务明细"].iter_rows(min_row=4, values_only=True)}
    assert world.item.code not in codes and world.item_target.code in codes


def test_reminders_leave_out_a_voided_item(world):
    later = world.item.deadline + timedelta(days=10)
    codes = {a.item.code for r in collect(later) for _, a in r.overdue}
    assert world.item.code in codes
    void(world)
    codes = {a.item.code for r in collect(later) for _, a in r.overdue}
    assert codes == {world.item_target.code}


def test_each_assignment_gets_one_history_row_with_the_reason_and_who_voided(world):
    before = StatusUpdate.objects.count()
    void(world, reason=f"  {REASON}\n")
    item = ChecklistItem.objects.get(pk=world.item.pk)
    assert item.state == ChecklistItem.State.VOID
    assert item.void_reason == REASON and item.voided_by == world.office
    assert item.voided_at is not None
    rows = StatusUpdate.objects.filter(kind=StatusUpdate.Kind.VOID)
    assert StatusUpdate.objects.count() == before + 3
    assert sorted(r.assignment_id for r in rows) == sorted(
        [world.a_item.pk, world.b_item.pk, world.lead.pk]
    )
    assert {(r.note, r.author, r.get_kind_display()) for r in rows} == {
        (REASON, world.office, "作废")
    }


def test_the_office_still_opens_a_voided_tasks_page_and_reads_who_voided_it_and_why(login, world):
    void(world)
    response = login(world.office).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    voided_at = timezone.localtime(ChecklistItem.objects.get(pk=world.item.pk).voided_at)
    assert f"该任务已于{voided_at:%Y-%m-%d %H:%M}由安委办张科长作废：{REASON}" in page


@pytest.mark.parametrize("who", ["staff_a", "leader"])
def test_staff_and_leaders_may_not_void_an_item(world, who):
    with pytest.raises(PermissionDenied):
        void(world, user=getattr(world, who))
    assert ChecklistItem.objects.get(pk=world.item.pk).state == ChecklistItem.State.PUBLISHED
    assert not StatusUpdate.objects.filter(kind=StatusUpdate.Kind.VOID).exists()


@pytest.mark.parametrize("reason", ["", "   \n\t "])
def test_an_empty_or_blank_reason_is_refused(world, reason):
    with pytest.raises(WorkflowError, match="请填写作废原因。"):
        void(world, reason=reason)
    assert ChecklistItem.objects.get(pk=world.item.pk).state == ChecklistItem.State.PUBLISHED


def test_a_void_item_cannot_be_voided_again(world):
    void(world)
    with pytest.raises(WorkflowError, match="已作废"):
        void(world, reason="再次作废")
    assert StatusUpdate.objects.filter(kind=StatusUpdate.Kind.VOID).count() == 3


def test_an_item_of_a_closed_year_cannot_be_voided(world):
    WorkYear.objects.create(
        year=world.year, state="closed", closed_on=world.today, closed_at=timezone.now()
    )
    with pytest.raises(WorkflowError, match="已归档"):
        void(world)
    assert ChecklistItem.objects.get(pk=world.item.pk).state == ChecklistItem.State.PUBLISHED


def test_the_admin_offers_no_delete_action_and_refuses_the_delete_url(login, world):
    client = login(world.office)
    changelist = client.get(reverse("admin:checklist_checklistitem_changelist"))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions and "void_items" in actions
    delete = reverse("admin:checklist_checklistitem_delete", args=[world.item.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ChecklistItem.objects.filter(pk=world.item.pk).exists()


def test_the_admin_action_asks_for_a_reason_then_voids_the_selected_items(login, world):
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_changelist")
    selected = {"action": "void_items", ACTION_CHECKBOX_NAME: [world.item.pk, world.draft.pk]}
    asked = client.post(url, selected)
    assert asked.status_code == 200 and "作废原因" in asked.content.decode()
    assert ChecklistItem.objects.get(pk=world.item.pk).state == ChecklistItem.State.PUBLISHED
    done = client.post(url, {**selected, "apply": "1", "void_reason": REASON}, follow=True)
    assert "已作废 2 项任务" in done.content.decode()
    for item in (world.item, world.draft):
        item.refresh_from_db()
        assert item.state == ChecklistItem.State.VOID and item.void_reason == REASON
    assert StatusUpdate.objects.filter(kind=StatusUpdate.Kind.VOID, note=REASON).count() == 4


def test_the_admin_action_without_a_reason_asks_again_and_voids_nothing(login, world):
    url = reverse("admin:checklist_checklistitem_changelist")
    response = login(world.office).post(
        url,
        {"action": "void_items", ACTION_CHECKBOX_NAME: [world.item.pk], "apply": "1"},
    )
    assert response.status_code == 200 and "请填写作废原因。" in response.content.decode()
    assert ChecklistItem.objects.get(pk=world.item.pk).state == ChecklistItem.State.PUBLISHED


def test_the_admin_form_does_not_offer_void_and_a_void_item_is_read_only(login, world):
    client = login(world.office)
    change = reverse("admin:checklist_checklistitem_change", args=[world.item.pk])
    form = client.get(change).context["adminform"].form
    assert "void" not in [value for value, _ in form.fields["state"].choices]
    void(world)
    response = client.get(change)
    assert response.status_code == 200 and REASON in response.content.decode()
    assert not response.context["has_change_permission"]


def test_a_void_items_work_is_refused_by_the_services_and_offers_no_form(login, world):
    from tracker import services

    item_void(item=world.item, user=world.office, reason="重复导入")
    with pytest.raises(services.WorkflowError, match="已作废"):
        services.assignment_report(assignment=world.a_item, user=world.office, percent=50)
    with pytest.raises(services.WorkflowError, match="已作废"):
        services.assignment_create(item=world.item, unit=world.office_unit, user=world.office)
    page = login(world.office).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert "保存进度" not in page.content.decode()


def test_a_corrected_sheet_imported_after_a_void_makes_a_new_task(county, tmp_path):  # noqa: F811
    world = county

    year = world.year + 1
    path = messy_sheet(tmp_path / "plan.xlsx", year)
    import_tasks(path, user=world.office, dry_run=False, year=year)
    wrong = ChecklistItem.objects.get(year=year, title="建立隐患排查治理台账")
    item_void(item=wrong, user=world.office, reason="责任单位填错，重新导入")

    again = import_tasks(path, user=world.office, dry_run=False, year=year)
    assert again.errors == [] and again.counts["items_create"] == 1
    fresh = ChecklistItem.objects.get(year=year, title=wrong.title, state="draft")
    assert fresh.code != wrong.code

    coded = tmp_path / "coded.xlsx"
    wb = load_workbook(path)
    wb.active.insert_cols(1)
    wb.active["A3"] = "编号"
    wb.active["A7"] = wrong.code
    wb.save(coded)
    refused = import_tasks(coded, user=world.office, dry_run=True, year=year)
    assert any("已作废" in str(e) and wrong.code in str(e) for e in refused.errors)
