"""load_demo builds the demo county and can be run again without changing anything."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from checklist.models import ChecklistItem, Source
from tracker import demo
from tracker.models import Assignment, ExtensionRequest, StatusUpdate, Supervision, User
from tracker.selectors import assignments_for_user


def snapshot():
    return {
        "assignments": sorted(
            Assignment.objects.values_list(
                "item__code", "unit__name", "status", "percent", "version"
            )
        ),
        "history": StatusUpdate.objects.count(),
        "users": sorted(User.objects.values_list("username", "role", "unit__name")),
        "items": sorted(ChecklistItem.objects.values_list("code", "year", "state", "deadline")),
        "extensions": sorted(ExtensionRequest.objects.values_list("assignment_id", "state")),
        "supervisions": sorted(Supervision.objects.values_list("assignment_id", "level")),
        "sources": sorted(Source.objects.values_list("key", "date")),
    }


@pytest.fixture(scope="module")
def demo_output(committed):
    def load():
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    return committed(load)


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def test_it_prints_every_demo_account_with_its_password(loaded):
    for username in ["anweiban", "lingdao", "xiangzhen1", "xiangzhen2", "bumen1"]:
        assert username in loaded
    assert demo.DEMO_PASSWORD in loaded


def test_running_it_again_changes_nothing(loaded):
    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "新增责任分解 0 条，生成演示进度 0 条" in out.getvalue()


def test_every_demo_account_can_log_in(loaded, client):
    for username in ["anweiban", "lingdao", "xiangzhen1", "xiangzhen2", "bumen1"]:
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        assert client.get("/", follow=True).status_code == 200  # a leader lands on the dashboard
        client.logout()


def test_the_office_account_can_use_the_admin(loaded, client):
    client.login(username="anweiban", password=demo.DEMO_PASSWORD)
    assert client.get("/admin/tracker/assignment/").status_code == 200
    assert client.get("/admin/checklist/checklistitem/").status_code == 200


def test_demo_progress_spreads_over_every_status(loaded):
    by_status = dict(Assignment.objects.values_list("status").annotate(n=Count("pk")))
    total = sum(by_status.values())
    for status in Assignment.Status.values:
        assert by_status.get(status, 0) >= total * 0.03, (status, by_status)
    assert Assignment.objects.overdue(demo.timezone.localdate()).exists()


def test_demo_history_is_consistent_with_the_assignments(loaded):
    for assignment in Assignment.objects.exclude(status="not_started")[:200]:
        history = list(assignment.history.order_by("created_at", "id"))
        assert history[0].kind == "assign"
        assert history[-1].to_status == assignment.status
        times = [update.created_at for update in history]
        assert times == sorted(times)
        if assignment.status == "verified":
            assert history[-1].kind == "approve"
            assert history[-1].author.role == User.Role.OFFICE
        else:
            reporters = {u.author.unit_id for u in history[1:]}
            assert reporters <= {assignment.unit_id}


def test_each_demo_township_account_sees_only_its_own_township(loaded):
    staff = User.objects.get(username="xiangzhen1")
    other = User.objects.get(username="xiangzhen2")
    mine = assignments_for_user(staff)
    assert mine.exists()
    assert set(mine.values_list("unit_id", flat=True)) == {staff.unit_id}
    assert not mine.filter(unit=other.unit).exists()


def test_it_says_which_fixture_is_missing(db, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "FIXTURES", tmp_path)
    with pytest.raises(CommandError, match="fixtures/themes.json"):
        call_command("load_demo", stdout=StringIO())
