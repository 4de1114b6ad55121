"""Items measured from the registers: each unit's quantity is read from its own rows, linked to
exactly those rows, recorded once when it changes, and never typed over by the unit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.hazard_helpers import record
from tracker import measuring, services
from tracker.enterprises import services as registers
from tracker.enterprises.models import Standardization
from tracker.models import Assignment, StatusUpdate

SMALL = "enterprises.standardized.small"


def achieve(world, enterprise, level="small", on=None):
    on = on or world.today
    return registers.standardization_create(
        user=world.office,
        enterprise=enterprise,
        level=level,
        state=Standardization.State.ACHIEVED,
        achieved_on=on,
        certificate_no=f"AQBZ-{enterprise.pk}-{level}",
        valid_until=on + timedelta(days=3 * 365),
        today=world.today,
    )


@pytest.fixture
def measured(world, registers):
    """The world's 40家小微企业标准化创建 measured by the register: township A's share and
    the department's (which supervises 工贸 and 危险化学品 across townships)."""
    item = world.item_target
    item.measure = SMALL
    item.save(update_fields=["measure"])
    world.dept_target = services.assignment_create(item=item, unit=world.dept, user=world.office)
    achieve(world, registers.tannery)  # 城关镇, 工贸
    achieve(world, registers.plant)  # 河西镇, 危险化学品
    achieve(world, registers.station, level="third")  # another level: not counted
    return item


def login_as(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_each_unit_reads_its_own_register_rows(world, measured):
    changed = measuring.measure_item(item=measured, today=world.today)
    assert changed == 2
    town_a = Assignment.objects.get(pk=world.a_target.pk)
    dept = Assignment.objects.get(pk=world.dept_target.pk)
    # 城关镇 by 属地: its tannery. The department by 行业: the tannery and 河西镇's plant.
    assert town_a.quantity_done == Decimal(1)
    assert dept.quantity_done == Decimal(2)
    assert town_a.status == Assignment.Status.IN_PROGRESS
    assert town_a.percent == 2  # 1 of 40 家


def test_the_reading_links_to_exactly_the_rows_it_counts(world, registers, measured, client):
    reading = measuring.reading_for(measured, world.town_a, today=world.today)
    login_as(client, world.office)
    page = client.get(reading.url).content.decode()
    assert registers.tannery.name in page
    assert registers.plant.name not in page  # another township's
    assert registers.station.name not in page  # 三级, not 小微企业达标
    dept = measuring.reading_for(measured, world.dept, today=world.today)
    page = client.get(dept.url).content.decode()
    assert registers.tannery.name in page and registers.plant.name in page
    assert registers.station.name not in page


def test_the_history_records_a_change_once_not_every_reading(world, registers, measured):
    measuring.measure_item(item=measured, today=world.today)
    measuring.measure_item(item=measured, today=world.today)
    rows = StatusUpdate.objects.filter(assignment=world.a_target, kind=StatusUpdate.Kind.MEASURE)
    assert rows.count() == 1
    row = rows.get()
    assert row.author is None and row.quantity == Decimal(1)
    assert "小微企业达标" in row.note
    achieve(world, registers.snack)
    measuring.measure_item(item=measured, today=world.today)
    assert rows.count() == 2
    assert rows.order_by("-created_at", "-pk").first().quantity == Decimal(2)


def test_a_new_certificate_measures_the_item_again_once_it_is_saved(
    world, registers, measured, django_capture_on_commit_callbacks
):
    measuring.measure_item(item=measured, today=world.today)
    with django_capture_on_commit_callbacks(execute=True):
        achieve(world, registers.snack)  # 城关镇's 九小场所
    assert Assignment.objects.get(pk=world.a_target.pk).quantity_done == Decimal(2)


def test_the_unit_cannot_type_over_a_measured_quantity(world, measured):
    measuring.measure_item(item=measured, today=world.today)
    with pytest.raises(services.WorkflowError, match="台账自动计量"):
        services.assignment_report(
            assignment=world.a_target, user=world.staff_a, quantity=Decimal(30)
        )
    assert Assignment.objects.get(pk=world.a_target.pk).quantity_done == Decimal(1)


def test_the_report_form_has_no_quantity_and_refuses_one_posted(world, measured, client):
    measuring.measure_item(item=measured, today=world.today)
    login_as(client, world.staff_a)
    url = reverse("assignment_detail", args=[world.a_target.pk])
    page = client.get(url).content.decode()
    assert 'name="quantity"' not in page
    assert "台账计量" in page and "自动统计" in page
    share = Assignment.objects.get(pk=world.a_target.pk)
    response = client.post(
        reverse("assignment_report", args=[share.pk]),
        {"action": "report", "quantity": "30", "note": "", "version": share.version},
    )
    # The field is not on the form: a posted quantity is not read, and nothing else was sent.
    assert response.status_code == 400
    assert Assignment.objects.get(pk=share.pk).quantity_done == Decimal(1)


def test_a_note_still_saves_on_a_measured_item(world, measured):
    measuring.measure_item(item=measured, today=world.today)
    services.assignment_report(
        assignment=world.a_target, user=world.staff_a, note="组织两家企业申报小微达标"
    )
    share = Assignment.objects.get(pk=world.a_target.pk)
    assert share.quantity_done == Decimal(1)
    assert share.history.filter(kind=StatusUpdate.Kind.REPORT).exists()


def test_a_share_waiting_for_review_keeps_the_figure_it_was_submitted_with(
    world, registers, measured
):
    world.a_target.share_quantity = Decimal(1)
    world.a_target.save(update_fields=["share_quantity"])
    measuring.measure_item(item=measured, today=world.today)
    services.assignment_submit(assignment=world.a_target, user=world.staff_a, note="已达标1家")
    achieve(world, registers.snack)
    measuring.measure_item(item=measured, today=world.today)
    share = Assignment.objects.get(pk=world.a_target.pk)
    assert share.status == Assignment.Status.SUBMITTED
    assert share.quantity_done == Decimal(1)


def test_a_certificate_of_last_year_does_not_count_for_this_years_item(world, registers, measured):
    achieve(world, registers.snack, on=date(world.year - 1, 12, 31))
    measuring.measure_item(item=measured, today=world.today)
    assert Assignment.objects.get(pk=world.a_target.pk).quantity_done == Decimal(1)


def test_the_item_page_shows_each_units_reading_and_the_countys(world, measured, client):
    measuring.measure_item(item=measured, today=world.today)
    login_as(client, world.office)
    page = client.get(reverse("item_detail", args=[measured.pk])).content.decode()
    assert 'data-count="2"' in page  # the county: two 小微企业达标 this year
    assert 'data-count="1"' in page  # 城关镇


def test_an_inspection_task_reads_its_hazard_counts(world, registers, client):
    item = world.item
    item.measure = "hazards.task"
    item.save(update_fields=["measure"])
    record(world.staff_a, world.today, enterprise=registers.tannery, task=item)
    record(
        world.staff_a,
        world.today,
        enterprise=registers.tannery,
        task=item,
        description="灭火器过期",
    )
    record(world.staff_b, world.today, enterprise=registers.plant, task=item)
    record(world.staff_a, world.today, enterprise=registers.station)  # not linked to the task
    measuring.measure_item(item=item, today=world.today)
    share = Assignment.objects.get(pk=world.a_item.pk)
    assert share.quantity_done == Decimal(1)  # one enterprise inspected, two hazards
    reading = measuring.reading_for(item, world.town_a, today=world.today)
    assert reading.text.startswith("排查企业 1 家 / 发现隐患 2 处 / 已整改 0 处")
    login_as(client, world.office)
    page = client.get(reading.url).content.decode()
    assert "灭火器过期" in page and registers.plant.name not in page
