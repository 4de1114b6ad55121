"""我的任务 and one assignment: list, filters, detail, the report form."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import local
from tracker import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def report_url(assignment):
    return reverse("assignment_report", args=[assignment.pk])


def post_report(client, assignment, **data):
    payload = {"action": "report", "version": assignment.version}
    payload.update(data)
    return client.post(report_url(assignment), payload)


def listed(response):
    return {row.record for row in response.context["table"].paginated_rows}


def test_my_tasks_lists_only_my_units_published_assignments(login, world):
    response = login(world.staff_a).get(reverse("assignment_list"))
    assert listed(response) == {world.a_item, world.a_target}
    assert "单位" not in [c.header for c in response.context["table"].columns]


def test_the_office_list_covers_every_unit_and_offers_bulk_actions(login, world):
    response = login(world.office).get(reverse("assignment_list"))
    assert len(listed(response)) == 5
    assert response.context["bulk_actions"]


def test_filters_by_status_theme_role_and_due_window(login, world):
    client = login(world.office)
    url = reverse("assignment_list")
    assert listed(client.get(url, {"role": "lead"})) == {world.lead}
    assert listed(client.get(url, {"theme": world.theme_std.pk})) == {world.a_target}
    services.assignment_report(assignment=world.b_item, user=world.staff_b, percent=10)
    assert listed(client.get(url, {"status": "in_progress"})) == {world.b_item}
    services.assignment_change(
        assignment=world.lead, user=world.office, due_date=world.item.start_date
    )
    assert listed(client.get(url, {"due": "overdue"})) == {world.lead}
    assert listed(client.get(url, {"light": "red"})) >= {world.lead}
    assert world.lead not in listed(client.get(url, {"light": "green"}))


def test_a_filter_value_for_another_unit_shows_nothing_of_it(login, world):
    response = login(world.staff_b).get(reverse("assignment_list"), {"unit": world.town_a.pk})
    assert listed(response) == {world.b_item}
    assert "城关镇" not in response.content.decode()


def test_a_nonsense_filter_value_is_shown_as_a_form_error_not_a_500(login, world):
    response = login(world.staff_a).get(
        reverse("assignment_list"), {"status": "x", "theme": "abc", "page": "999"}
    )
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert set(errors) == {"status", "theme"}
    assert "选择一个有效的选项" in response.content.decode()


def test_the_detail_shows_the_item_its_source_the_other_units_and_history(login, world):
    page = (
        login(world.staff_a)
        .get(reverse("assignment_detail", args=[world.a_item.pk]))
        .content.decode()
    )
    assert "开展拉网式隐患排查" in page
    assert world.directive.text in page and "全县安全生产工作会议讲话" in page
    assert "河西镇" in page and "应急局" in page
    assert "下达" in page
    assert 'name="action" value="submit"' in page


def test_a_staff_member_reports_progress_with_a_file(login, world):
    client = login(world.staff_a)
    upload = SimpleUploadedFile("../../整改报告.pdf", PDF, content_type="application/pdf")
    response = post_report(client, world.a_item, percent="60", note="已整改8处", files=[upload])
    assert response.status_code == 302
    world.a_item.refresh_from_db()
    assert (world.a_item.status, world.a_item.percent) == ("in_progress", 60)
    evidence = world.a_item.evidence.get()
    assert evidence.original_name == "整改报告.pdf"
    assert evidence.content_type == "application/pdf"


def test_a_staff_member_reports_a_counted_target_by_quantity(login, world):
    response = post_report(login(world.staff_a), world.a_target, quantity="１２")
    assert response.status_code == 302
    world.a_target.refresh_from_db()
    assert world.a_target.quantity_done == Decimal("12")
    assert world.a_target.percent == 30


def test_a_quantity_in_exponent_notation_is_refused_not_read_as_a_thousand(login, world):
    response = post_report(login(world.staff_a), world.a_target, quantity="1e3")
    assert response.status_code == 400
    assert "已完成数量请填写数字，如 25 或 12.5。" in response.content.decode()
    world.a_target.refresh_from_db()
    assert world.a_target.quantity_done is None


def test_submitting_puts_the_assignment_in_the_review_queue(login, world):
    response = post_report(login(world.staff_a), world.a_item, action="submit", note="完成")
    assert response.status_code == 302
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted"
    queue = login(world.office).get(reverse("review_queue"))
    assert world.a_item in list(queue.context["submissions"])


def test_a_submitted_assignment_shows_no_report_form(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    client = login(world.staff_a)
    page = client.get(reverse("assignment_detail", args=[world.a_item.pk])).content.decode()
    assert 'value="submit"' not in page
    assert post_report(client, world.a_item, percent="10").status_code == 403


def test_a_second_save_from_a_stale_page_is_a_conflict(login, world):
    stale_version = world.a_item.version
    services.assignment_report(assignment=world.a_item, user=world.office, percent=50)
    response = post_report(login(world.staff_a), world.a_item, percent="20", version=stale_version)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 50


def test_staff_ask_for_an_extension(login, world):
    client = login(world.staff_a)
    later = world.item.deadline + timedelta(days=90)
    response = client.post(
        reverse("extension_request", args=[world.a_item.pk]),
        {"new_due_date": later.isoformat(), "reason": "冬季停工"},
    )
    assert response.status_code == 302
    extension = world.a_item.extensions.get()
    assert extension.state == "pending" and extension.requested_due_date == later
    page = client.get(reverse("assignment_detail", args=[world.a_item.pk])).content.decode()
    assert "等待安委办审批" in page


def test_an_extension_to_an_earlier_date_is_explained(login, world):
    response = login(world.staff_a).post(
        reverse("extension_request", args=[world.a_item.pk]),
        {"new_due_date": f"{world.year}-02-30", "reason": "x"},
    )
    assert response.status_code == 400
    assert "请填写有效日期" in response.content.decode()


def test_the_task_list_runs_the_same_number_of_queries_at_any_size(login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from checklist.models import ChecklistItem

    client = login(world.office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("assignment_list"), {"light": "red"}).status_code == 200
        return len(ctx)

    small = count()
    start = world.item.start_date  # overdue, red work
    for n in range(30):
        item = ChecklistItem.objects.create(
            code=f"{world.year}-6{n:02d}", title=f"任务{n}", theme=world.theme, start_date=start,
            deadline=start + timedelta(days=31), state="published", published_at=local(start),
        )  # fmt: skip
        services.assignment_create(item=item, unit=world.town_b, user=world.office)
    assert count() == small


def varied_assignments(world, today):
    """Assignments across every kind of window: overdue, due within a week, running, not yet
    started, long-term; at many percents and in every status."""
    from checklist.models import ChecklistItem
    from tracker.models import Assignment, Unit

    units = [world.town_a, world.town_b, world.dept] + [
        Unit.objects.create(name=f"测试镇{n}", kind="township", sort_order=50 + n) for n in range(4)
    ]
    windows = [(-200, -3), (-100, 5), (-300, 2), (-50, 50), (-10, 300), (-90, 30), (5, 90)]
    windows.append((-60, None))
    percents = [0, 5, 19, 20, 35, 49, 50, 61, 70, 90, 100]
    statuses = ["not_started", "in_progress", "in_progress", "submitted", "verified"]
    roles = ["lead", "responsible", "cooperate"]
    n = 0
    for w, (begin, end) in enumerate(windows):
        item = ChecklistItem.objects.create(
            code=f"{today.year}-8{w:02d}", title=f"窗口{w}", theme=world.theme,
            start_date=today + timedelta(days=begin),
            deadline=None if end is None else today + timedelta(days=end),
            cadence="monthly" if end is None else "none", cadence_day=28 if end is None else None,
            state="published", published_at=timezone.now(),
        )  # fmt: skip
        for u, unit in enumerate(units):
            status = statuses[n % len(statuses)]
            submitted_at = timezone.now() if status in ("submitted", "verified") else None
            if status == "submitted" and item.deadline and item.deadline < today and u % 2:
                # Submitted in time, still waiting for review: the office's to move, not late.
                submitted_at = timezone.make_aware(datetime.combine(item.deadline, time(16)))
            Assignment.objects.create(
                item=item, unit=unit, role=roles[0] if u == 0 else roles[1 + n % 2], status=status,
                percent=percents[n % len(percents)], due_date=item.deadline,
                submitted_at=submitted_at,
                verified_at=timezone.now() if status == "verified" else None,
            )  # fmt: skip
            n += 1


def test_each_light_filter_lists_exactly_the_assignments_of_that_light(world):
    from tracker.models import Assignment
    from tracker.progress import LIGHT_LABELS, progress
    from tracker.selectors import assignment_list

    today = timezone.localdate()
    varied_assignments(world, today)
    lights = {
        a.pk: progress(
            status=a.status,
            percent=a.percent,
            start=a.item.start_date,
            due=a.due_date,
            today=today,
            submitted_on=a.submitted_on,
        ).light
        for a in Assignment.objects.select_related("item")
    }
    assert set(lights.values()) == set(LIGHT_LABELS)
    for light in LIGHT_LABELS:
        listed_pks = set(
            assignment_list(world.office, {"light": light}).qs.values_list("pk", flat=True)
        )
        assert listed_pks == {pk for pk, value in lights.items() if value == light}, light


def test_the_red_page_reads_by_due_date_instead_of_sorting_every_red_assignment(world):
    """Overdue is tested on the row and the behind-schedule ids only as a list to look in, so
    SQLite reads the due-date index in order and stops after the page, whatever the count."""
    import pytest
    from django.db import connection
    from django.db.models import F

    from tracker.selectors import assignment_list

    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    varied_assignments(world, timezone.localdate())
    qs = assignment_list(world.office, {"light": "red"}).qs
    page = qs.order_by(F("due_date").asc(nulls_last=True), "item__code", "unit__sort_order")
    plan = page[:25].explain()
    assert "assignment_due_item_role" in plan
    assert "MULTI-INDEX OR" not in plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan  # only its right part, per due date


@pytest.mark.parametrize("who", ["office", "staff_a"])
def test_the_task_list_has_no_inline_handlers_or_styles_and_loads_its_script(login, world, who):
    page = login(getattr(world, who)).get(reverse("assignment_list")).content.decode()
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers are blocked by the CSP"
    assert "style=" not in page
    assert re.search(r'<script src="[^"]*js/task_list[^"]*\.js" defer></script>', page)
    assert "data-autosubmit" in page
