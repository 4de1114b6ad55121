"""The demo fixtures load cleanly and say what the speeches say."""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from checklist.models import ChecklistItem, Directive, Source, Theme
from tracker.models import Assignment, Unit, UnitAlias

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ORDER = ["themes", "units", "sources", "directives", "items", "assignments"]
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def load_all():
    call_command("loaddata", *[FIXTURES / f"{name}.json" for name in ORDER], verbosity=0)


def test_fixtures_use_natural_keys_not_primary_keys():
    for name in ORDER:
        rows = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        assert rows, name
        assert all("pk" not in row for row in rows), name


def test_the_fixtures_load_cleanly_and_loading_twice_adds_nothing(db):
    load_all()
    counts = [
        m.objects.count()
        for m in (Theme, Unit, UnitAlias, Source, Directive, ChecklistItem, Assignment)
    ]
    load_all()
    assert [
        m.objects.count()
        for m in (Theme, Unit, UnitAlias, Source, Directive, ChecklistItem, Assignment)
    ] == counts


@pytest.fixture(scope="module")
def loaded_county(committed):
    committed(load_all)


@pytest.fixture
def county(loaded_county, db):
    pass


def test_the_county_has_townships_departments_and_old_names(county):
    assert 10 <= Unit.objects.filter(kind="township").count() <= 15
    assert 16 <= Unit.objects.filter(kind="department").count() <= 25
    for old, current in [
        ("安监局", "应急"),
        ("工商", "市场监"),
        ("质监", "市场监"),
        ("卫计", "卫生健康"),
        ("国土", "自然资源"),
        ("公安消防", "消防"),
    ]:
        assert current in UnitAlias.objects.get(alias=old).unit.name, old


def test_the_five_speech_collections_are_sources_with_their_full_text(county):
    assert Source.objects.count() == 5
    for source in Source.objects.all():
        assert len(source.text) > 2000
        assert source.directives.exists()


def test_every_directive_quotes_its_source_exactly(county):
    for directive in Directive.objects.select_related("source"):
        assert directive.source.text[directive.start : directive.end] == directive.text
        assert directive.themes.exists()


def test_there_are_sixty_items_from_the_speeches_covering_the_main_themes(county):
    items = ChecklistItem.objects.all()
    assert items.count() >= 60
    assert not items.filter(directive__isnull=True).exists()
    covered = Counter(items.values_list("theme__name", flat=True))
    for theme in [
        "隐患排查治理",
        "安全生产标准化创建",
        "网格化监管",
        "消防安全",
        "道路交通",
        "专项整治",
        "考核问责",
    ]:
        assert covered[theme] >= 2, theme
    assert items.filter(target_quantity__isnull=False).count() >= 5
    assert items.filter(deadline__isnull=True).exclude(cadence="none").count() >= 5
    assert items.filter(state="draft").exists()


def test_every_published_item_has_exactly_one_lead_unit(county):
    for item in ChecklistItem.objects.published():
        roles = Counter(item.assignments.values_list("role", flat=True))
        assert roles["lead"] == 1, item.code
    assert not Assignment.objects.filter(item__state="draft").exists()


def test_every_township_has_work_to_report(county):
    for township in Unit.objects.filter(kind="township"):
        assert township.assignments.count() >= 20, township.name
