"""Text made only of invisible characters (zero-width spaces, BOM, word joiner, full-width
spaces) is empty: it cannot stand in for a required reason or note."""

from datetime import timedelta

import pytest

from tracker import services
from tracker.forms import ExtensionDecisionForm, ExtensionForm, ProgressForm, ReviewForm

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u3000 \t\n"


@pytest.fixture
def submitted(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    return world.a_item


@pytest.fixture
def pending_extension(world, today):
    return services.extension_request(
        assignment=world.a_item,
        user=world.staff_a,
        new_due_date=world.a_item.due_date + timedelta(days=30),
        reason="冬季停工",
    )


def test_an_invisible_return_reason_is_refused(world, submitted):
    with pytest.raises(services.WorkflowError, match="退回原因"):
        services.assignment_return(assignment=submitted, user=world.office, reason=INVISIBLE)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_an_invisible_refusal_note_is_refused(world, pending_extension):
    with pytest.raises(services.WorkflowError, match="不同意延期时请填写理由"):
        services.extension_decide(
            extension=pending_extension, user=world.office, approve=False, note=INVISIBLE
        )
    pending_extension.refresh_from_db()
    assert pending_extension.state == "pending"


def test_an_invisible_extension_reason_is_refused(world):
    with pytest.raises(services.WorkflowError, match="请填写延期理由"):
        services.extension_request(
            assignment=world.a_item,
            user=world.staff_a,
            new_due_date=world.a_item.due_date + timedelta(days=30),
            reason=INVISIBLE,
        )
    assert not world.a_item.extensions.exists()


def test_an_invisible_progress_note_is_no_note(world):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=88)
    with pytest.raises(services.WorkflowError, match="没有填写任何变化"):
        services.assignment_report(
            assignment=world.a_item, user=world.staff_a, percent=88, note=INVISIBLE
        )
    with pytest.raises(services.WorkflowError, match="请在说明中写明原因"):
        services.assignment_report(
            assignment=world.a_item, user=world.staff_a, percent=77, note=INVISIBLE
        )
    assert world.a_item.history.count() == 2


def test_invisible_characters_inside_a_note_are_dropped(world, submitted):
    update = services.assignment_return(
        assignment=submitted, user=world.office, reason="\ufeff缺少\u200b整改照片\u2060"
    )
    assert update.note == "缺少整改照片"


def test_the_forms_treat_invisible_text_as_empty(world):
    review = ReviewForm({"decision": "return", "note": INVISIBLE, "version": 1})
    assert not review.is_valid() and "note" in review.errors
    decision = ExtensionDecisionForm({"decision": "refuse", "note": INVISIBLE})
    assert not decision.is_valid() and "note" in decision.errors
    due = (world.a_item.due_date + timedelta(days=30)).isoformat()
    extension = ExtensionForm({"new_due_date": due, "reason": INVISIBLE})
    assert not extension.is_valid() and "reason" in extension.errors
    report = ProgressForm(
        {"action": "report", "note": INVISIBLE, "version": 1}, assignment=world.a_item
    )
    assert not report.is_valid()
    assert "请填写完成进度、进展说明或上传佐证材料。" in report.non_field_errors()
