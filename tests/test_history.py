"""History is append-only: not through the model, not through bulk paths, not through raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from tracker.models import StatusUpdate


def test_a_history_row_cannot_be_saved_again(world):
    update = world.a_item.history.get()
    update.note = "改写"
    with pytest.raises(PermissionError):
        update.save()


def test_a_history_row_cannot_be_deleted(world):
    with pytest.raises(PermissionError):
        world.a_item.history.get().delete()


def test_history_cannot_be_changed_in_bulk(world):
    with pytest.raises(PermissionError):
        StatusUpdate.objects.all().update(note="改写")
    with pytest.raises(PermissionError):
        StatusUpdate.objects.all().delete()


def test_the_database_refuses_an_update_even_in_raw_sql(world):
    update = world.a_item.history.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tracker_statusupdate SET note = 'x' WHERE id = %s", [update.pk])
    update.refresh_from_db()
    assert update.note != "x"


def test_creating_an_assignment_records_who_assigned_it(world):
    update = world.a_item.history.get()
    assert update.kind == StatusUpdate.Kind.ASSIGN
    assert update.author == world.office
    assert update.to_status == "not_started"
    assert update.to_due_date == world.item.deadline
