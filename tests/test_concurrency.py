"""Two people saving the same assignment at the same moment: one wins, the other is told."""

import threading

import pytest
from django.db import connection

from tracker import services
from tracker.models import Assignment

pytestmark = pytest.mark.django_db(transaction=True)


def race(world, users_and_percents):
    assignment_pk = world.a_item.pk
    version = world.a_item.version
    barrier = threading.Barrier(len(users_and_percents))
    outcomes = []

    def save(user, percent):
        try:
            assignment = Assignment.objects.select_related("item").get(pk=assignment_pk)
            barrier.wait(timeout=10)
            services.assignment_report(
                assignment=assignment, user=user, percent=percent, expected_version=version
            )
            outcomes.append(("saved", percent))
        except services.ConflictError as exc:
            outcomes.append(("conflict", str(exc)))
        except Exception as exc:  # noqa: BLE001 - any other failure must fail the test below
            outcomes.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=pair) for pair in users_and_percents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_saves_give_one_winner_and_one_clear_conflict(world):
    outcomes = race(world, [(world.staff_a, 30), (world.office, 70)])
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["conflict", "saved"], outcomes
    message = next(detail for kind, detail in outcomes if kind == "conflict")
    assert "已被他人修改" in message
    winner = next(detail for kind, detail in outcomes if kind == "saved")
    world.a_item.refresh_from_db()
    assert world.a_item.percent == winner
    assert world.a_item.version == 2
    assert world.a_item.history.filter(kind="report").count() == 1
