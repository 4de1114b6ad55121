"""The data migration that turns targets copied to every unit into a split county target.

The migration's functions run on the models as the migration sees them (its project state),
against the test database, which already has the schema they need.
"""

import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import services
from tracker.models import Assignment, StatusUpdate

migration = importlib.import_module("tracker.migrations.0018_split_copied_targets")


@pytest.fixture
def state_apps(db):
    loader = MigrationLoader(connection)
    return loader.project_state(("tracker", "0018_split_copied_targets")).apps


def forwards(state_apps):
    migration.split_copied_targets(state_apps, None)


def backwards(state_apps):
    migration.join_copied_targets(state_apps, None)


@pytest.fixture
def copied(world):
    """The old meaning: 40 家 for each of three counted units (120 家 on the old dashboard)."""
    b = services.assignment_create(item=world.item_target, unit=world.town_b, user=world.office)
    lead = services.assignment_create(
        item=world.item_target, unit=world.dept, user=world.office, role="lead"
    )
    services.assignment_create(
        item=world.item_target, unit=world.office_unit, user=world.office, role="cooperate"
    )
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=20)
    world.b_target, world.lead_target = b, lead
    return world


def _shares(item):
    return dict(Assignment.objects.filter(item=item).values_list("unit__name", "share_quantity"))


def test_a_target_copied_to_every_unit_becomes_the_county_total_split_back_to_each(
    copied, state_apps
):
    forwards(state_apps)
    copied.item_target.refresh_from_db()
    assert copied.item_target.target_quantity == 120
    assert _shares(copied.item_target) == {
        "城关镇": 40, "河西镇": 40, "县应急管理局": 40, "县安委办": None,
    }  # fmt: skip
    a = Assignment.objects.get(pk=copied.a_target.pk)
    assert (a.target, a.percent) == (40, 50)  # the unit's own target and percent as before


def test_each_migrated_share_says_why_in_its_history(copied, state_apps):
    forwards(state_apps)
    notes = StatusUpdate.objects.filter(assignment__item=copied.item_target, kind="edit")
    assert sorted(notes.values_list("assignment__unit__name", flat=True)) == [
        "县应急管理局", "城关镇", "河西镇",
    ]  # fmt: skip
    assert notes.first().note == (
        "分解数量：未分解→40家（原目标数量为每个单位各自的目标，现记为本单位分解数量；"
        "全县目标 120家）"
    )


def test_single_units_rates_and_split_items_are_left_alone(world, state_apps):
    rate = ChecklistItem.objects.create(
        code=f"{world.year}-031", title="持证上岗率100%", theme=world.theme,
        start_date=world.item.start_date, deadline=world.item.deadline,
        target_quantity=100, target_unit="%", state="published", published_at=timezone.now(),
    )  # fmt: skip
    split = ChecklistItem.objects.create(
        code=f"{world.year}-032", title="整治三个乱点", theme=world.theme,
        start_date=world.item.start_date, deadline=world.item.deadline,
        target_quantity=3, target_unit="处", state="published", published_at=timezone.now(),
    )  # fmt: skip
    for item in (rate, split):
        for unit in (world.town_a, world.town_b):
            services.assignment_create(item=item, unit=unit, user=world.office)
    services.assignment_change(
        assignment=split.assignments.get(unit=world.town_a),
        user=world.office,
        share_quantity=Decimal(2),
    )
    forwards(state_apps)
    for item, target in ((world.item_target, 40), (rate, 100), (split, 3)):
        item.refresh_from_db()
        assert item.target_quantity == target
    assert _shares(world.item_target) == {"城关镇": None}
    assert _shares(rate) == {"城关镇": None, "河西镇": None}
    assert _shares(split) == {"城关镇": 2, "河西镇": None}


def test_the_migration_reverses_to_the_copied_target(copied, state_apps):
    before = StatusUpdate.objects.count()
    forwards(state_apps)
    backwards(state_apps)
    copied.item_target.refresh_from_db()
    assert copied.item_target.target_quantity == 40
    assert set(_shares(copied.item_target).values()) == {None}
    assert StatusUpdate.objects.count() == before
