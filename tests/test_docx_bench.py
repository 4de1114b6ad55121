"""The .docx bulletin's benchmark: its floor writes the document's own tables, and it never
fills and drops a server's own database."""

import importlib.util
import io
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document

from tracker.excel.bulletin_docx import bulletin_figures, write_bulletin_docx
from tracker.models import Assignment

ROOT = Path(__file__).resolve().parent.parent


def docx_bench():
    spec = importlib.util.spec_from_file_location("bench_docx", ROOT / "bench/docx_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cells(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]


def test_the_floor_writes_the_same_tables_as_the_document_without_styling(world):
    late = world.item.deadline + timedelta(days=3)
    buffer = io.BytesIO()
    write_bulletin_docx(buffer, assignments=Assignment.objects.all(), today=late)
    ours = cells(Document(io.BytesIO(buffer.getvalue())))
    floor = cells(
        docx_bench().floor_document(bulletin_figures(Assignment.objects.all(), today=late))
    )
    assert len(ours) == len(floor) == 3  # townships, departments, the overdue list
    for our_table, floor_table in zip(ours, floor, strict=True):
        assert our_table[1:] == floor_table[1:]  # the same rows; only the labels differ


@pytest.mark.parametrize("url", ["postgres://bench@localhost/postgres", "postgres://localhost"])
def test_the_docx_bench_will_not_fill_and_drop_the_servers_own_database(url):
    with pytest.raises(SystemExit, match="name a database"):
        docx_bench().ScratchPostgres(url)
