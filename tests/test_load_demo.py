"""load_demo builds the demo county and can be run again without changing anything; its
年度考核 is a mid-year 预评 of every township and department with lines that link to their
rows, the 较大事故's 一票否决, an office bonus and a pending 申诉.

The county is loaded once for the whole module: building it is the slow part."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistItem, DirectiveCandidate, Source
from tracker import demo
from tracker.assessment.models import Adjustment, Appeal, Scheme
from tracker.models import (
    Assignment,
    ExtensionRequest,
    StatusUpdate,
    Supervision,
    Unit,
    User,
)
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
        "sources": sorted(Source.objects.values_list("key", "date", "extracted_at")),
        "candidates": sorted(
            DirectiveCandidate.objects.values_list(
                "source__key", "start", "end", "state", "item__code", "decided_at", "created_at"
            )
        ),
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
    assert "讲话分解中的部署要求 0 条" in out.getvalue()


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


def speech_titles() -> list[str]:
    return [row["fields"]["title"] for row in demo._fixture("sources")]


def test_the_office_sees_the_five_speeches_processed_in_speech_review(loaded, client):
    client.login(username="anweiban", password=demo.DEMO_PASSWORD)
    listed = client.get("/speeches/")
    assert listed.status_code == 200
    speeches = list(listed.context["speeches"])
    assert sorted(s.title for s in speeches) == sorted(speech_titles())
    page = listed.content.decode()
    for speech in speeches:
        assert speech.title in page
        # Processed: nothing waits for a decision, the plan's tasks were accepted and published.
        assert speech.n_pending == 0 and speech.n_rejected > 0
        assert speech.n_accepted > 0 and speech.n_published > 0

        review = client.get(f"/speeches/{speech.pk}/review/")
        assert review.status_code == 200
        accepted = [row for row in review.context["rows"] if row.candidate.item_id]
        row = next(r for r in accepted if r.shown_state == "published")
        item = row.candidate.item
        # The page that shows this candidate names its task and links to it.
        shown = client.get(f"/speeches/{speech.pk}/review/?page={row.page}").content.decode()
        assert f"已接受为任务 <strong>{item.code}</strong> {item.title}" in shown
        assert f"/admin/checklist/checklistitem/{item.pk}/change/" in shown
        assert item.directive.source == speech


def test_each_demo_task_of_the_year_was_accepted_from_its_speech_at_its_passage(loaded):
    plan = max(ChecklistItem.objects.values_list("year", flat=True))
    items = ChecklistItem.objects.filter(year=plan).select_related("directive__source")
    passages = {item.directive_id for item in items}
    accepted = DirectiveCandidate.objects.filter(state="accepted").select_related("item")
    assert accepted.count() == len(passages)  # a passage that gave two tasks is accepted once
    for candidate in accepted:
        directive = candidate.item.directive
        assert candidate.item.year == plan and candidate.source_id == directive.source_id
        assert candidate.text == directive.text.strip() and candidate.title == candidate.item.title
        assert candidate.decided_by.username == "anweiban"
    # Everything else the rules proposed was looked at and set aside.
    assert set(DirectiveCandidate.objects.values_list("state", flat=True)) == {
        "accepted",
        "rejected",
    }
    for speech in Source.objects.all():
        spans = list(speech.candidates.order_by("start").values_list("start", "end"))
        assert all(end <= after for (_, end), (after, _) in zip(spans, spans[1:], strict=False))
        assert speech.extracted_at is not None


def test_it_says_which_fixture_is_missing(db, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "FIXTURES", tmp_path)
    with pytest.raises(CommandError, match="fixtures/themes.json"):
        call_command("load_demo", stdout=StringIO())


def test_the_demos_county_targets_are_split_among_their_units_and_read_whole(loaded):
    from decimal import Decimal

    from django.db.models import Sum

    from tracker.dashboard import DashboardFilters, build_dashboard

    item = ChecklistItem.objects.filter(
        title__contains="小微企业安全生产标准化", target_quantity=40, state="published"
    ).latest("year")
    shares = item.assignments.filter(role__in=["lead", "responsible"])
    assert shares.count() > 1
    assert shares.aggregate(s=Sum("share_quantity"))["s"] == Decimal(40)
    leader = User.objects.get(username="lingdao")
    board = build_dashboard(leader, DashboardFilters(year=item.year), today=timezone.localdate())
    row = next(t for t in board.targets if t["code"] == item.code)
    assert row["target"] == Decimal(40) and row["done"] <= Decimal(40)


def test_the_demos_40_small_enterprises_target_is_measured_from_the_register(loaded):
    from tracker import measuring

    today = timezone.localdate()
    item = ChecklistItem.objects.filter(
        title__contains="小微企业安全生产标准化", target_quantity=40, state="published"
    ).latest("year")
    assert item.measure == "enterprises.standardized.small"
    county = measuring.reading_for(item, None, today=today)
    assert county.value > 0  # this year's 小微企业达标 so far, of the county's 40
    for share in item.assignments.filter(status__in=["not_started", "in_progress"]):
        reading = measuring.reading_for(item, share.unit, today=today)
        assert (share.quantity_done or 0) == reading.value, share.unit.name
    # The 拉网式排查 task reads its counts from the hazards linked to it.
    inspection = ChecklistItem.objects.filter(measure="hazards.task").first()
    assert inspection is not None
    assert measuring.reading_for(inspection, None, today=today).text.startswith("排查企业")


# --- 年度考核 ---------------------------------------------------------------------------------


def test_the_demo_prints_its_schemes_bonus_and_appeal(loaded):
    assert "年度考核：" in loaded and "待处理申诉 1 条" in loaded


def test_every_township_and_department_has_a_pre_assessment(loaded, client):
    client.force_login(User.objects.get(username="lingdao"))
    page = client.get(reverse("assessment:index"))
    leagues = {label: records for label, _s, records in page.context["leagues"]}
    for kind, label in Scheme.Kind.choices:
        units = Unit.objects.filter(kind=kind, active=True).count()
        assert len(leagues[label]) == units
        assert all(len(r["items"]) == 6 for r in leagues[label])
    grades = {r["grade"] for records in leagues.values() for r in records}
    assert len(grades) >= 2


def test_the_demo_larger_accident_vetoes_its_township(loaded, client):
    client.force_login(User.objects.get(username="lingdao"))
    page = client.get(reverse("assessment:index"))
    townships = dict((label, records) for label, _s, records in page.context["leagues"])["乡镇街道"]
    vetoed = [r for r in townships if r["vetoes"]]
    assert vetoed and all(r["grade"] == "不合格" for r in vetoed)
    assert "较大及以上生产安全事故" in vetoed[0]["vetoes"][0]
    assert "一票否决" in page.content.decode()


def test_the_demo_township_sees_its_pending_appeal_and_its_lines_link_to_their_rows(loaded, client):
    appeal = Appeal.objects.get(state="pending")
    staff = User.objects.get(role="staff", unit=appeal.unit)
    client.force_login(staff)
    year = appeal.rule.item.scheme.year
    page = client.get(reverse("assessment:unit", args=[year, appeal.unit_id]))
    assert page.status_code == 200
    assert appeal.reason in page.content.decode()
    for item in page.context["record"]["items"]:
        for line in item["lines"]:
            if line["url"] and line["kind"] in ("overdue", "missed", "returned", "hazard"):
                listed = client.get(line["url"]).context
                count = listed["rows_count"] if "rows_count" in listed else None
                if count is None:
                    count = listed["table"].paginator.count
                assert count == line["count"], line


def test_the_demo_bonus_shows_on_its_townships_detail(loaded, client):
    bonus = Adjustment.objects.get()
    client.force_login(User.objects.get(username="anweiban"))
    year = bonus.item.scheme.year
    page = client.get(reverse("assessment:unit", args=[year, bonus.unit_id]))
    assert bonus.reason in page.content.decode()
    assert page.context["record"]["items"][0]["adjustment"] == "1.00"
