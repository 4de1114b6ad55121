"""The task list's rows: written in one pass, with what the phone cards and the office need."""

import re
from datetime import timedelta

from django.urls import reverse

from tracker.tables import AssignmentTable


def rows_of(html: str) -> list[str]:
    body = html[html.index("<tbody") : html.index("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def test_a_township_row_labels_every_cell_for_the_phone_cards_and_links_the_task(login, world):
    html = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    row = next(r for r in rows_of(html) if f'data-id="{world.a_item.pk}"' in r)
    labels = re.findall(r'<td data-label="([^"]*)">', row)
    assert labels == ["编号", "任务", "角色", "状态", "进度", "红黄绿灯", "完成时限"]
    assert f'href="/tasks/{world.a_item.pk}/"' in row and "开展拉网式隐患排查" in row
    assert 'name="ids"' not in row


def test_the_office_gets_a_checkbox_and_the_unit_in_every_row(login, world):
    html = login(world.office).get(reverse("assignment_list")).content.decode()
    row = next(r for r in rows_of(html) if f'data-id="{world.b_item.pk}"' in r)
    assert f'<input type="checkbox" name="ids" value="{world.b_item.pk}"' in row
    assert '<td data-label="单位">河西镇</td>' in row


def test_a_title_with_markup_is_escaped(login, world):
    world.item.title = "<script>alert(1)</script>"
    world.item.save()
    html = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_empty_result_says_so_across_all_columns(login, world):
    html = login(world.staff_a).get(reverse("assignment_list"), {"status": "verified"})
    rows = rows_of(html.content.decode())
    assert rows == ['<tr><td colspan="7">没有符合条件的任务。</td></tr>']


def test_an_overdue_row_shows_its_days_overdue_and_a_long_term_row_its_cadence(world):
    due = world.item.start_date
    world.a_item.due_date = due
    world.a_target.due_date = None
    world.item_target.cadence = "monthly"
    world.item_target.cadence_day = 28
    table = AssignmentTable([world.a_item, world.a_target], show_unit=False, selectable=False)
    table.today = due + timedelta(days=10)
    html = str(table.tbody_html)
    assert f'{due:%Y-%m-%d} <span class="tag-red">逾期10天</span>' in html
    assert "长期（每月28日前）" in html
    assert html.count('class="even"') == 1 and html.count('class="odd"') == 1


def test_the_office_sees_a_draft_badge_on_draft_rows_only(login, world):
    html = login(world.office).get(reverse("assignment_list")).content.decode()
    rows = {re.search(r'data-id="(\d+)"', r).group(1): r for r in rows_of(html)}
    draft_row = rows[str(world.a_draft.pk)]
    assert 'class="tag-draft"' in draft_row and ">草稿</span>" in draft_row
    assert re.search(r'<tr data-id="\d+" class="(even|odd) draft">', draft_row)
    for pk in (world.a_item.pk, world.b_item.pk, world.lead.pk, world.a_target.pk):
        assert "tag-draft" not in rows[str(pk)] and " draft" not in rows[str(pk)]


def test_the_draft_filter_counts_and_lists_exactly_the_draft_rows(login, world):
    client = login(world.office)
    drafts = client.get(reverse("assignment_list"), {"status": "draft"}).content.decode()
    assert "共 1 条" in drafts
    assert [r for r in rows_of(drafts) if "tag-draft" in r] == rows_of(drafts)
    assert len(rows_of(drafts)) == 1
    # A work status lists published shares only: a draft's shares are 草稿, not 未开始.
    not_started = client.get(reverse("assignment_list"), {"status": "not_started"})
    not_started = not_started.content.decode()
    assert "共 4 条" in not_started
    assert "tag-draft" not in not_started and len(rows_of(not_started)) == 4


def test_one_status_filter_holds_the_work_statuses_and_the_draft(login, world):
    office = login(world.office).get(reverse("assignment_list")).content.decode()
    assert "任务状态" not in office
    status = re.search(r'<select name="status"[^>]*>(.*?)</select>', office, re.S).group(1)
    options = re.findall(r">([^<]+)</option>", status)
    assert options == ["全部状态", "未开始", "推进中", "待审核", "已办结", "草稿（未发布）"]
    township = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    status = re.search(r'<select name="status"[^>]*>(.*?)</select>', township, re.S).group(1)
    assert "草稿" not in status


def test_a_township_never_sees_the_draft_badge(login, world):
    html = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    assert "tag-draft" not in html and "草稿任务" not in html


def test_the_select_all_box_waits_for_the_script_and_is_not_sent_with_the_rows(login, world):
    html = login(world.office).get(reverse("assignment_list")).content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    assert '<label class="check select-all" hidden>' in head
    assert '<input type="checkbox" data-select-all="1" />' in head
    assert 'name="ids"' not in head


def test_skipped_pages_are_plain_text_not_a_link(login, world, settings):
    # Five rows, one a page, three page numbers shown: 1 … 5.
    settings.DJANGO_TABLES2_PAGE_RANGE = 3
    html = login(world.office).get(reverse("assignment_list"), {"per_page": 1}).content.decode()
    pagination = html[html.index('<ul class="pagination">') :]
    pagination = pagination[: pagination.index("</ul>")]
    assert '<li class="gap">…</li>' in pagination
    assert 'href="#"' not in pagination
    assert '<a href="?per_page=1&amp;page=5">5</a>' in pagination
