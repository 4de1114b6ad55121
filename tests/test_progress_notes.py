"""A progress report says what changed: a smaller figure needs its reason, and a save with
nothing in it is refused instead of leaving a blank history row."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.test_return_sheet import filled
from tracker import services
from tracker.excel.return_sheet import read_return_sheet


@pytest.fixture
def at_88(world):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=88)
    world.a_item.refresh_from_db()
    return world.a_item


@pytest.fixture
def at_35(world):
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=35)
    world.a_target.refresh_from_db()
    return world.a_target


def report_form(client, assignment, **data):
    payload = {"action": "report", "version": assignment.version}
    payload.update(data)
    return client.post(reverse("assignment_report", args=[assignment.pk]), payload)


def test_a_smaller_percent_without_a_note_is_refused(world, at_88):
    with pytest.raises(
        services.WorkflowError, match=r"完成进度比上次减少（88% → 77%），请在说明中写明原因。"
    ):
        services.assignment_report(assignment=at_88, user=world.staff_a, percent=77)
    at_88.refresh_from_db()
    assert at_88.percent == 88 and at_88.history.count() == 2


def test_a_smaller_quantity_without_a_note_is_refused(world, at_35):
    with pytest.raises(services.WorkflowError, match=r"完成进度比上次减少（35 → 30 家）"):
        services.assignment_report(assignment=at_35, user=world.staff_a, quantity=30)
    at_35.refresh_from_db()
    assert at_35.quantity_done == Decimal("35")


def test_a_smaller_percent_with_its_reason_is_kept_and_the_history_shows_it(world, at_88):
    update = services.assignment_report(
        assignment=at_88, user=world.staff_a, percent=77, note="复核发现3家企业重复统计"
    )
    at_88.refresh_from_db()
    assert at_88.percent == 77
    assert update.percent == 77
    assert update.note == "完成进度由88%调减为77%：复核发现3家企业重复统计"


def test_the_form_shows_why_a_smaller_percent_is_refused(login, world, at_88):
    response = report_form(login(world.staff_a), at_88, percent="77")
    assert response.status_code == 400
    assert "完成进度比上次减少（88% → 77%），请在说明中写明原因。" in response.content.decode()


def test_a_return_sheet_row_with_a_smaller_percent_needs_its_reason(world, at_88):
    sheet = filled(world.town_a, {world.item.code: {"完成%": 77, "本次进展说明": "重复统计已剔除"}})
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed
    at_88.refresh_from_db()
    assert at_88.percent == 77
    assert at_88.history.latest("created_at", "id").note == "完成进度由88%调减为77%：重复统计已剔除"


def test_a_smaller_quantity_with_its_reason_is_kept_and_the_history_shows_it(world, at_35):
    update = services.assignment_report(
        assignment=at_35, user=world.staff_a, quantity=30, note="5家验收未通过"
    )
    assert update.quantity == Decimal("30") and update.percent == 75
    assert update.note == "完成进度由35家调减为30家：5家验收未通过"


NOTHING_CHANGED = "没有填写任何变化：请更新进度、填写说明或上传佐证材料。"


def test_saving_the_same_percent_with_no_note_or_file_is_refused(world, at_88):
    with pytest.raises(services.WorkflowError, match=NOTHING_CHANGED):
        services.assignment_report(assignment=at_88, user=world.staff_a, percent=88)
    at_88.refresh_from_db()
    assert at_88.history.count() == 2 and at_88.version == 2


def test_saving_the_same_quantity_with_no_note_or_file_is_refused(world, at_35):
    with pytest.raises(services.WorkflowError, match=NOTHING_CHANGED):
        services.assignment_report(assignment=at_35, user=world.staff_a, quantity=Decimal("35.00"))
    assert at_35.history.count() == 2


def test_saving_the_same_percent_with_a_note_is_kept(world, at_88):
    update = services.assignment_report(
        assignment=at_88, user=world.staff_a, percent=88, note="本周新排查3家，未发现新隐患"
    )
    assert update.percent == 88 and update.note == "本周新排查3家，未发现新隐患"


def test_the_unchanged_form_is_refused_without_a_blank_history_row(login, world, at_88):
    response = report_form(login(world.staff_a), at_88, percent="88", note="")
    assert response.status_code == 400
    assert NOTHING_CHANGED in response.content.decode()
    assert at_88.history.count() == 2


def test_an_unchanged_return_sheet_row_is_still_counted_as_unchanged(world, at_88):
    sheet = filled(world.town_a, {world.item.code: {"完成%": 88}})
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.errors == [] and report.counts["unchanged"] == 2
    assert at_88.history.count() == 2
