"""Constraints live in the database: these inserts must fail even when no form is involved."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from checklist.models import ChecklistItem, Directive
from tracker.models import Assignment, Evidence, User


def refused(**create):
    model = create.pop("model")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**create)


def item_fields(world, **overrides):
    fields = dict(
        model=ChecklistItem,
        code=f"{world.year}-050",
        title="测试任务",
        theme=world.theme,
        start_date=world.item.start_date,
        deadline=world.item.deadline,
    )
    fields.update(overrides)
    return fields


def test_an_item_code_is_unique(world):
    refused(**item_fields(world, code=world.item.code))


def test_a_long_term_item_needs_a_reporting_cadence(world):
    refused(**item_fields(world, deadline=None, cadence="none"))


def test_a_long_term_item_with_a_monthly_cadence_is_accepted(world):
    fields = item_fields(world, deadline=None, cadence="monthly", cadence_day=28)
    item = fields.pop("model").objects.create(**fields)
    assert item.is_long_term
    assert item.cadence_label == "每月28日前"


def test_a_deadline_before_the_start_is_refused(world):
    refused(**item_fields(world, deadline=world.item.start_date - timedelta(days=28)))


def test_a_target_quantity_needs_a_unit(world):
    refused(**item_fields(world, target_quantity=40, target_unit=""))


def test_a_unit_without_a_target_quantity_is_refused(world):
    refused(**item_fields(world, target_unit="家"))


def test_a_target_quantity_must_be_positive(world):
    refused(**item_fields(world, target_quantity=0, target_unit="家"))


def test_a_cadence_day_must_be_a_day_of_the_month(world):
    refused(**item_fields(world, cadence="monthly", cadence_day=32))


def test_a_published_item_needs_its_publication_time(world):
    refused(**item_fields(world, state="published", published_at=None))


def test_a_directive_must_span_some_text(world):
    refused(model=Directive, source=world.source, start=5, end=5, text="")


def test_two_directives_cannot_start_at_the_same_place(world):
    refused(model=Directive, source=world.source, start=world.directive.start, end=40, text="x")


def test_a_unit_gets_an_item_only_once(world):
    refused(model=Assignment, item=world.item, unit=world.town_a)


def test_an_item_has_only_one_lead_unit(world):
    Assignment.objects.create(item=world.item_target, unit=world.dept, role="lead")
    refused(model=Assignment, item=world.item_target, unit=world.town_b, role="lead")


def test_percent_done_cannot_exceed_100(world):
    refused(model=Assignment, item=world.item_target, unit=world.town_b, percent=101)


def test_quantity_done_cannot_be_negative(world):
    refused(model=Assignment, item=world.item_target, unit=world.town_b, quantity_done=-1)


def test_an_unknown_status_is_refused(world):
    refused(model=Assignment, item=world.item_target, unit=world.town_b, status="done")


def test_a_verified_assignment_needs_its_verification_time(world):
    refused(model=Assignment, item=world.item_target, unit=world.town_b, status="verified")


def test_a_submitted_assignment_needs_its_submission_time(world):
    refused(model=Assignment, item=world.item_target, unit=world.town_b, status="submitted")


def test_unit_staff_must_belong_to_a_unit(world):
    refused(model=User, username="nounit", role="staff", unit=None)


def test_an_unknown_role_is_refused(world):
    refused(model=User, username="boss", role="boss", unit=world.town_a)


def test_evidence_needs_a_real_sha256_and_a_size(world):
    update = world.a_item.history.get()
    base = dict(
        model=Evidence,
        update=update,
        assignment=world.a_item,
        file="evidence/x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        uploaded_by=world.staff_a,
    )
    refused(**base, size=10, sha256="not-a-hash")
    refused(**base, size=0, sha256="a" * 64)


def test_overdue_is_computed_from_due_date_and_status(world):
    due = world.a_item.due_date
    later = due + timedelta(days=5)
    overdue = set(Assignment.objects.overdue(later))
    assert world.a_item in overdue
    assert world.a_item.counts_towards_rate
    Assignment.objects.filter(pk=world.a_item.pk).update(
        status="verified", verified_at=timezone.now()
    )
    assert world.a_item not in set(Assignment.objects.overdue(later))
    assert world.a_item not in set(Assignment.objects.overdue(due))
