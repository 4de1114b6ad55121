"""A keyword search reads the trigram index over the descriptions and places (SQLite's FTS5
table kept by triggers, PostgreSQL's pg_trgm index), and finds what a scan of the register
would find after every kind of write."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.hazard_helpers import record
from tests.test_hazard_import import rows, workbook  # noqa: F401 (fixture)
from tracker.hazards import excel_import, text_index
from tracker.hazards.apps import _text_index_after_migrating
from tracker.hazards.excel_import import import_hazards
from tracker.hazards.filters import keyword_filter
from tracker.hazards.models import Hazard


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def found(word):
    return set(keyword_filter(Hazard.objects.all(), word).values_list("description", flat=True))


def test_a_recorded_hazard_is_found_by_any_three_characters_of_its_description_or_place(
    world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="液氨储罐阀门泄漏")
    record(
        world.staff_a, today, township=world.town_a, location="东关村急弯路段", description="无警示"
    )
    assert found("储罐阀门") == {"液氨储罐阀门泄漏"}
    assert found("阀门泄漏") == {"液氨储罐阀门泄漏"}
    assert found("急弯路段") == {"无警示"}
    assert found("储罐急弯") == set()


def test_the_index_follows_a_changed_description_even_one_changed_outside_the_services(
    world, registers, today
):
    hazard = record(world.office, today, enterprise=registers.tannery, description="灭火器过期")
    Hazard.objects.filter(pk=hazard.pk).update(description="配电箱无漏电保护")
    assert found("灭火器") == set()
    assert found("漏电保护") == {"配电箱无漏电保护"}


def test_imported_rows_written_straight_into_the_table_are_found(world, registers, rows):  # noqa: F811
    assert import_hazards(workbook(rows), user=world.office, dry_run=False).committed
    assert found("静电接地") == {"油罐区静电接地失效"}
    assert found("村道护栏") == {"东关村村道护栏缺失"}


def test_short_words_quotes_and_letters_in_either_case_are_found_as_a_scan_finds_them(
    world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="LED应急灯损坏")
    record(world.office, today, enterprise=registers.tannery, description='标注"禁止烟火"缺失')
    assert found("急灯") == {"LED应急灯损坏"}
    assert found("led应急") == {"LED应急灯损坏"}
    assert found('"禁止烟火"') == {'标注"禁止烟火"缺失'}
    assert found('火" OR "损') == set()


def test_a_long_keyword_on_the_register_page_is_answered_by_the_index(
    client, login, world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="液氨储罐阀门泄漏")
    login(world.office)
    url = reverse("hazards:hazard_list") + "?q=储罐阀门"
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert "液氨储罐阀门泄漏" in page
    searched = [q["sql"] for q in ctx.captured_queries if "hazards_hazard" in q["sql"]]
    if connection.vendor == "sqlite":
        assert any("hazards_hazard_text" in sql and "MATCH" in sql for sql in searched)
    else:
        assert "hazard_text_trgm" in postgres_plan("储罐阀门")
        assert "hazard_text_trgm" in postgres_plan("led应急")  # letters in either case


def postgres_plan(word):
    with connection.cursor() as cursor:
        # The register here is tiny: make the planner show which index serves the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return Hazard.objects.order_by().filter(text_index.text_q(word)).explain()


def test_a_short_word_reads_the_narrow_text_index_on_sqlite_and_the_scoped_rows_elsewhere(
    world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="LED应急灯损坏")
    ids = text_index.matching_ids(Hazard, "急灯")
    if connection.vendor == "sqlite":
        assert "COVERING INDEX hazard_text_scan" in ids.explain()
    else:
        assert ids is None  # no trigram in two characters: the caller scans its own rows


def test_a_migration_that_rebuilt_the_table_gets_the_index_back_with_every_row_in_it(
    world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="液氨储罐阀门泄漏")
    with connection.cursor() as cursor:
        # What Django's rebuild of an SQLite table leaves: no triggers, no index it did not make.
        if connection.vendor == "sqlite":
            for name in text_index.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
            cursor.execute("DROP INDEX hazard_text_scan")
            cursor.execute(f"INSERT INTO {text_index.FTS}({text_index.FTS}) VALUES ('delete-all')")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as after a migration's commit
            cursor.execute("DROP INDEX hazard_text_trgm")
    if connection.vendor == "sqlite":
        assert found("储罐阀门") == set()  # the index, emptied, no longer knows the row
    record(world.office, today, enterprise=registers.tannery, description="氨气报警器失灵")
    applied = [(type("Migration", (), {"app_label": "hazards"})(), False)]
    _text_index_after_migrating(using="default", plan=applied)
    assert found("储罐阀门") == {"液氨储罐阀门泄漏"}
    assert found("报警器失灵") == {"氨气报警器失灵"}
    if connection.vendor == "postgresql":
        assert "hazard_text_trgm" in postgres_plan("储罐阀门")


def test_after_an_import_and_after_a_failed_one_each_new_hazard_is_still_indexed(
    world,
    registers,
    rows,  # noqa: F811
    today,
    monkeypatch,
):
    assert import_hazards(workbook(rows), user=world.office, dry_run=False).committed
    record(world.office, today, enterprise=registers.tannery, description="氨气报警器失灵")
    assert found("报警器失灵") == {"氨气报警器失灵"}

    def broken_history(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(excel_import, "_existing", lambda parsed: set())
    real_insert = excel_import.insert_rows
    monkeypatch.setattr(
        excel_import,
        "insert_rows",
        lambda model, *a, **k: (
            broken_history() if model is not Hazard else real_insert(model, *a, **k)
        ),
    )
    with pytest.raises(RuntimeError):
        import_hazards(workbook(rows), user=world.office, dry_run=False)
    monkeypatch.undo()
    record(world.office, today, enterprise=registers.tannery, description="配电箱门锁损坏")
    assert found("门锁损坏") == {"配电箱门锁损坏"}
    assert len(found("静电接地")) == 1  # the failed import's rows went with its transaction


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_a_database_user_who_may_not_create_pg_trgm_still_migrates_and_searches(
    world, registers, today, caplog
):
    record(world.office, today, enterprise=registers.tannery, description="液氨储罐阀门泄漏")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX hazard_text_trgm")
        cursor.execute("DROP EXTENSION pg_trgm")
        cursor.execute("CREATE ROLE hazard_text_owner NOSUPERUSER")
        cursor.execute("GRANT ALL ON SCHEMA public TO hazard_text_owner")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO hazard_text_owner")
        cursor.execute("SET LOCAL ROLE hazard_text_owner")
    text_index.ensure(connection)
    assert "pg_trgm could not be created" in caplog.text
    assert found("储罐阀门") == {"液氨储罐阀门泄漏"}


def test_the_search_box_says_what_a_keyword_finds(client, login, world):
    login(world.staff_a)
    page = client.get(reverse("hazards:hazard_list")).content.decode()
    assert 'placeholder="隐患描述、位置、企业名称或隐患编号"' in page


def test_the_export_of_a_keyword_search_holds_exactly_the_rows_the_page_lists(
    client, login, world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="液氨储罐阀门泄漏")
    record(world.office, today, enterprise=registers.tannery, description="储罐区未设围堰")
    record(world.office, today, enterprise=registers.plant, description="配电箱未接地")
    login(world.office)
    written = {"液氨储罐阀门泄漏", "储罐区未设围堰", "配电箱未接地"}
    for word, expected in [  # the index, then a short word
        ("储罐阀门", {"液氨储罐阀门泄漏"}),
        ("储罐", {"液氨储罐阀门泄漏", "储罐区未设围堰"}),
    ]:
        response = client.get(reverse("hazards:hazard_export") + f"?q={word}")
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        cells = {c.value for row in sheet.iter_rows() for c in row}
        assert cells & written == expected, word
