"""A unit's own share (分解数量) is what its pages, lists, reminders and bulletin show."""

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from tracker import reminders, services


def _split(world):
    """The county's 40 家: 城关镇 8 of them; 河西镇 gets the item too, with 32."""
    services.assignment_change(
        assignment=world.a_target, user=world.office, share_quantity=Decimal(8)
    )
    b = services.assignment_create(
        item=world.item_target, unit=world.town_b, user=world.office, share_quantity=Decimal(32)
    )
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=6)
    return b


def test_the_units_task_page_shows_its_own_share_beside_the_county_target(login, world):
    _split(world)
    page = login(world.staff_a).get(reverse("assignment_detail", args=[world.a_target.pk]))
    html = page.content.decode()
    assert "6 / 8 家（75%）" in html
    assert "本单位分解数量 8 家（全县目标 40 家）" in html
    assert "本单位分解数量 8 家，全县目标 40 家" in html  # the form's label


def test_the_task_list_counts_done_against_the_units_share(login, world):
    _split(world)
    html = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    assert "6/8 家" in html and "6/40 家" not in html


def test_reminders_name_the_units_share(world, clock):
    _split(world)
    clock.advance(weeks=8, days=2)  # past the due date: overdue
    from django.utils import timezone

    by_unit = {r.unit: r for r in reminders.collect(timezone.localdate())}
    assert "本单位分解数量 8家（全县目标 40家）" in by_unit[world.town_a].text()


def test_the_bulletin_shows_each_units_done_over_its_own_share(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)  # any history
    _split(world)
    export = login(world.office).get(reverse("bulletin_export"))
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    cells = {
        (r[0], r[3]): r[7] for r in book["任务明细"].iter_rows(min_row=4, values_only=True) if r[0]
    }
    assert cells[(world.item_target.code, "城关镇")] == "6/8家"
    assert cells[(world.item_target.code, "河西镇")] == "0/32家"


def test_a_user_who_sees_no_task_gets_an_empty_bulletin_not_an_error(login, world):
    export = login(world.grid_a).get(reverse("bulletin_export"))
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert [r for r in book["任务明细"].iter_rows(min_row=4, values_only=True) if r[0]] == []


def test_the_task_list_offers_the_bulletin_as_a_word_document_too(login, world):
    html = login(world.office).get(reverse("assignment_list")).content.decode()
    assert reverse("bulletin_docx_export") in html and "Word 公文" in html
