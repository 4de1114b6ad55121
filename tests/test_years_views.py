"""年度 pages (tracker/views/years.py) and the year switcher of the task list and dashboard."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from checklist.models import ChecklistItem, WorkYear
from tracker import services

COUNTY = ZoneInfo("Asia/Shanghai")


def last_years_item(world):
    """A task of last year's plan, still open, given to township A."""
    year = world.year - 1
    item = ChecklistItem.objects.create(
        code=f"{year}-007",
        year=year,
        title="去年的专项整治任务",
        theme=world.theme,
        start_date=date(year, 3, 1),
        deadline=date(year, 11, 30),
        state="published",
        published_at=datetime.combine(date(year, 3, 1), time(9), tzinfo=COUNTY),
    )
    return services.assignment_create(item=item, unit=world.town_a, user=world.office)


def long_term_item(world):
    item = ChecklistItem.objects.create(
        code=f"{world.year}-050",
        title="每月开展隐患排查并报送情况",
        theme=world.theme,
        start_date=date(world.year, 1, 1),
        cadence="monthly",
        cadence_day=28,
        state="published",
        published_at=datetime.combine(date(world.year, 1, 1), time(9), tzinfo=COUNTY),
    )
    services.assignment_create(item=item, unit=world.town_a, user=world.office)
    return item


def listed(client, **params):
    response = client.get(reverse("assignment_list"), params)
    return {a.pk for a in response.context["table"].data}


def test_the_task_list_shows_the_current_year_and_switches_to_others(login, world):
    old = last_years_item(world)
    client = login(world.staff_a)
    assert listed(client) == {world.a_item.pk, world.a_target.pk}
    assert listed(client, year=world.year - 1) == {old.pk}
    assert listed(client, year="") == {world.a_item.pk, world.a_target.pk, old.pk}
    page = client.get(reverse("assignment_list")).content.decode()
    assert f'<option value="{world.year}" selected>{world.year}年度</option>' in page
    assert f'<option value="{world.year - 1}">{world.year - 1}年度</option>' in page


def test_the_dashboard_counts_the_chosen_year_only(login, world):
    last_years_item(world)
    client = login(world.leader)
    this_year = client.get(reverse("dashboard")).context["board"]
    last_year = client.get(reverse("dashboard"), {"year": world.year - 1}).context["board"]
    assert (this_year.total, last_year.total) == (4, 1)
    assert last_year.red_total == 1  # overdue since last November


def test_staff_cannot_see_the_years_pages(login, world):
    client = login(world.staff_a)
    assert client.get(reverse("work_year_list")).status_code == 403
    assert client.get(reverse("work_year_close", args=[world.year])).status_code == 403
    assert client.post(reverse("work_year_close", args=[world.year])).status_code == 403
    assert not WorkYear.objects.exists()


def test_leaders_read_the_years_but_cannot_close_one(login, world):
    client = login(world.leader)
    page = client.get(reverse("work_year_list")).content.decode()
    assert f"{world.year}年度" in page and "归档…" not in page
    assert client.post(reverse("work_year_close", args=[world.year])).status_code == 403
    assert not WorkYear.objects.filter(state="closed").exists()


def test_the_close_page_lists_the_long_term_items_to_carry_over(login, world):
    item = long_term_item(world)
    page = login(world.office).get(reverse("work_year_close", args=[world.year])).content.decode()
    assert f'name="carry" value="{item.pk}" checked' in page
    assert item.title in page
    assert "尚未结束" in page  # closing the calendar year before it ends is asked twice


def test_confirming_closes_the_year_and_carries_only_the_ticked_items(login, world):
    ticked = long_term_item(world)
    unticked = ChecklistItem.objects.create(
        code=f"{world.year}-051",
        title="每季度报送标准化创建情况",
        theme=world.theme_std,
        start_date=date(world.year, 1, 1),
        cadence="quarterly",
        state="published",
        published_at=datetime.combine(date(world.year, 1, 1), time(9), tzinfo=COUNTY),
    )
    services.assignment_create(item=unticked, unit=world.town_b, user=world.office)
    client = login(world.office)
    response = client.post(
        reverse("work_year_close", args=[world.year]), {"carry": [ticked.pk], "note": "年终归档"}
    )
    assert response.status_code == 302
    record = WorkYear.objects.get(year=world.year)
    assert record.is_closed and record.note == "年终归档"
    assert ChecklistItem.objects.filter(carried_from=ticked).count() == 1
    assert not ChecklistItem.objects.filter(carried_from=unticked).exists()
    detail = client.get(response.url).content.decode()
    assert "归档时的数据" in detail and ticked.title in detail


def test_closing_a_closed_year_again_is_refused_with_a_message(login, world):
    client = login(world.office)
    client.post(reverse("work_year_close", args=[world.year]))
    again = client.post(reverse("work_year_close", args=[world.year]))
    assert again.status_code == 409
    assert "不能重复归档" in again.content.decode()
    assert WorkYear.objects.filter(state="closed").count() == 1


def test_a_closed_years_task_page_offers_no_form_and_a_post_is_refused(login, world, today):
    login(world.office).post(reverse("work_year_close", args=[world.year]))
    client = login(world.staff_a)
    page = client.get(reverse("assignment_detail", args=[world.a_item.pk])).content.decode()
    assert "已归档，本任务只能查看" in page
    assert "保存进度" not in page and "申请延期" not in page
    client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"percent": "50", "note": "继续推进", "version": world.a_item.version, "action": "report"},
    )
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 0
    assert list(world.a_item.history.values_list("kind", flat=True)) == ["assign"]


def test_the_dashboard_of_a_closed_year_says_so_and_counts_as_on_its_closing_day(
    login, world, today, time_machine
):
    login(world.office).post(reverse("work_year_close", args=[world.year]))
    time_machine.move_to(datetime.combine(today + timedelta(days=90), time(10), tzinfo=COUNTY))
    page = login(world.leader).get(reverse("dashboard"), {"year": world.year})
    assert page.context["board"].today == today
    assert "已于" in page.content.decode() and "归档" in page.content.decode()
    board = page.context["board"]
    record = WorkYear.objects.get(year=world.year)
    assert dict(board.lights) == record.frozen["lights"]
    assert sum(s.overdue for s in board.townships + board.departments) == 0  # not yet due then


def test_the_home_page_leaves_out_a_closed_years_unfinished_work(login, world, today):
    old = last_years_item(world)
    client = login(world.staff_a)
    assert old in client.get(reverse("home")).context["assignments"]
    WorkYear.objects.create(
        year=world.year - 1,
        state=WorkYear.State.CLOSED,
        closed_on=date(world.year, 3, 1),
        closed_at=datetime.combine(date(world.year, 3, 1), time(16), tzinfo=COUNTY),
    )
    home = client.get(reverse("home")).context
    assert old not in home["assignments"]
    assert home["counts"]["overdue"] == 0
