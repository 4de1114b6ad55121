"""考核结果 as .xlsx and as a .docx 通报 carry the page's figures."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tracker.assessment.demo import ensure_scheme
from tracker.assessment.models import Rule


@pytest.fixture
def page(login, world, today):
    world.a_item.due_date = today - timedelta(days=4)
    world.a_item.save()
    ensure_scheme(today.year, "township")
    ensure_scheme(today.year, "department")
    Rule.objects.filter(kind="standard", threshold=3, item__scheme__kind="department").update(
        threshold=0
    )
    client = login(world.office)
    response = client.get(reverse("assessment:index"))
    return client, {label: records for label, _s, records in response.context["leagues"]}


def test_the_workbook_has_the_pages_scores_grades_and_lines(page, world):
    client, leagues = page
    response = client.get(reverse("assessment:export_xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for label, records in leagues.items():
        rows = list(book[f"{label}排名"].iter_rows(min_row=3, values_only=True))
        assert [(r[1], Decimal(str(r[2])), r[3]) for r in rows] == [
            (r["name"], Decimal(r["score"]), r["grade"]) for r in records
        ]
        lines = list(book[f"{label}明细"].iter_rows(min_row=3, values_only=True))
        expected = [
            (r["name"], i["name"], line["label"], line["count"], Decimal(line["deduction"]))
            for r in records
            for i in r["items"]
            for line in i["lines"]
        ]
        assert [(x[0], x[1], x[3], x[4], Decimal(str(x[6]))) for x in lines] == expected


def test_the_docx_bulletin_has_the_pages_ranks_scores_and_grades(page):
    client, leagues = page
    response = client.get(reverse("assessment:export_docx"))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    assert "考核结果的通报" in document.paragraphs[0].text
    tables = document.tables
    assert len(tables) == len(leagues)
    for table, records in zip(tables, leagues.values(), strict=True):
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert [(r[0], r[1], Decimal(r[2]), r[3]) for r in rows] == [
            (str(r["rank"]), r["name"], Decimal(r["score"]), r["grade"]) for r in records
        ]


def test_a_unit_cannot_export_the_county_results(login, world, page):
    client = login(world.staff_a)
    assert client.get(reverse("assessment:export_xlsx")).status_code == 404
    assert client.get(reverse("assessment:export_docx")).status_code == 404
