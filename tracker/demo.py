"""The demo county: accounts for every role and believable progress, written through the services.

Everything here is deterministic (seeded by each assignment's natural key) and only touches
assignments that have no progress yet, so running it twice changes nothing the second time.
"""

import json
import random
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from checklist import extract
from checklist.models import ChecklistItem, DirectiveCandidate, Source, WorkYear
from checklist.shares import SharesError, even_split, is_rate_unit
from checklist.spans import trim
from tracker import demo_calendar, services
from tracker.accounts import office_group
from tracker.models import Assignment, ExtensionRequest, StatusUpdate, Supervision, Unit, User
from tracker.speech_review import _candidates_from as candidates_from
from tracker.supervision import supervise as services_supervise
from tracker.unit_refs import unit_refs
from tracker.year_close import year_close

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CATALOG_FIXTURES = ["themes", "units", "sources", "directives", "items"]
DEMO_PASSWORD = "demo2026"


@dataclass
class DemoAccount:
    username: str
    role: str
    unit: Unit | None
    display_name: str
    note: str


def demo_accounts() -> list[DemoAccount]:
    """Who to log in as: the office, a leader, two townships and one department."""
    office = Unit.objects.filter(kind=Unit.Kind.OTHER, name__contains="安委办").first()
    government = Unit.objects.filter(kind=Unit.Kind.OTHER).exclude(pk=getattr(office, "pk", None))
    townships = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True)[:2])
    department = (
        Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, name__contains="应急").first()
        or Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).first()
    )
    accounts = [
        DemoAccount(
            "anweiban", User.Role.OFFICE, office, "安委办 陈科长", "分解任务、审核销号、管理后台"
        ),
        DemoAccount(
            "lingdao", User.Role.LEADER, government.first(), "分管副县长 刘县长", "只读：全县概况"
        ),
    ]
    for number, township in enumerate(townships, start=1):
        accounts.append(
            DemoAccount(
                f"xiangzhen{number}",
                User.Role.STAFF,
                township,
                f"{township.label}联络员",
                f"只看{township.name}的任务",
            )
        )
    if department:
        accounts.append(
            DemoAccount(
                "bumen1",
                User.Role.STAFF,
                department,
                f"{department.label}联络员",
                f"只看{department.name}的任务",
            )
        )
    return accounts


def ensure_accounts(password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    accounts = demo_accounts()
    group = office_group()
    for account in accounts:
        user = User.objects.filter(username=account.username).first() or User(
            username=account.username
        )
        user.role = account.role
        user.unit = account.unit
        user.display_name = account.display_name
        user.is_active = True
        user.is_staff = account.role == User.Role.OFFICE
        user.set_password(password)
        user.save()
        if user.is_staff:
            user.groups.add(group)
    return accounts


def _fixture(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def demo_shift(today: date) -> int:
    """Whole years the fixtures' plan is moved by: kept from the first load, so loading again
    on any later day changes nothing; otherwise chosen so that today is mid-plan."""
    first = _fixture("items")[0]["fields"]
    number = first["code"].partition("-")[2]
    loaded = (
        ChecklistItem.objects.filter(title=first["title"], code__endswith=f"-{number}")
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    year = loaded or demo_calendar.plan_year(today)
    return year - demo_calendar.TEMPLATE_YEAR


def load_catalog(years: int) -> None:
    """Themes, units, speeches, directives and items, with the calendar moved by ``years``."""
    plan = demo_calendar.TEMPLATE_YEAR + years
    moved = {
        "sources": [
            {**row, "fields": _processed(demo_calendar.shift_source(row["fields"], years, plan))}
            for row in _fixture("sources")
        ],
        "items": [
            {**row, "fields": demo_calendar.shift_item(row["fields"], years)}
            for row in _fixture("items")
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for name in CATALOG_FIXTURES:
            if name in moved:
                path = Path(folder) / f"demo_{name}.json"
                path.write_text(json.dumps(moved[name], ensure_ascii=False), encoding="utf-8")
                files.append(path)
            else:
                files.append(FIXTURES / f"{name}.json")
        call_command("loaddata", *files, verbosity=0)


def _processed(fields: dict) -> dict:
    """The speeches went through 讲话录入 when they were entered: extraction ran then, as
    speech_create does (their candidates are written by ``ensure_speech_review``)."""
    return {**fields, "extracted_at": fields["created_at"]}


def ensure_speech_review(*, office: User, plan: int) -> int:
    """The five speeches as the office left them in 讲话分解: the extraction rules' candidates,
    the plan's items as the accepted ones, every other candidate rejected.

    Each item's candidate covers the item's passage (its directive's span), as the office made
    it with 合并 and 拆分; the candidates it replaced are gone, the rest of the speech keeps what
    extraction proposed. A passage that gave two items is accepted once, for the first. The
    rest is rejected, not left 待审: the speeches' tasks went out months ago, and a list of
    hundreds of undecided sentences would say the office never finished; 恢复为待审 brings any
    of them back, and 讲话录入 shows a new speech from the start.

    Written once per speech: a speech that has candidates is left as it is.
    """
    keys = [row["fields"]["key"] for row in _fixture("sources")]
    speeches = Source.objects.filter(key__in=keys, candidates__isnull=True).order_by("key")
    if not speeches:
        return 0
    refs = unit_refs()
    kinds = {ref.key: ref.kind for ref in refs}
    written = 0
    for source in speeches:
        items = (
            ChecklistItem.objects.filter(year=plan, directive__source=source)
            .select_related("directive")
            .prefetch_related("directive__themes")
            .order_by("code")
        )
        first_items = {}
        for item in items:
            first_items.setdefault(item.directive_id, item)
        found = extract.extract_directives(source.text, speech_date=source.date, units=refs)
        proposed = candidates_from(source, found, kinds)
        accepted = []
        for item in sorted(first_items.values(), key=lambda i: i.directive.start):
            start, end = trim(source.text, item.directive.start, item.directive.end)
            covered = [c for c in proposed if c.start < end and c.end > start]
            proposed = [c for c in proposed if c not in covered]
            candidate = _joined(source, start, end, covered, item)
            candidate.state = DirectiveCandidate.State.ACCEPTED
            candidate.item, candidate.title = item, item.title
            candidate.decided_by, candidate.decided_at = office, item.created_at
            accepted.append(candidate)
        # Rejected when the office went through the speech: at its first acceptance.
        reviewed = min((c.decided_at for c in accepted), default=source.extracted_at)
        for candidate in proposed:
            candidate.state = DirectiveCandidate.State.REJECTED
            candidate.decided_by, candidate.decided_at = office, reviewed
        rows = sorted([*accepted, *proposed], key=lambda c: c.start)
        DirectiveCandidate.objects.bulk_create(rows)
        # Extracted when the speech was entered, not when the demo was loaded.
        DirectiveCandidate.objects.filter(source=source).update(
            created_at=source.extracted_at or timezone.now()
        )
        written += len(rows)
    return written


def _joined(
    source: Source, start: int, end: int, covered: list[DirectiveCandidate], item: ChecklistItem
) -> DirectiveCandidate:
    """One candidate for [start, end) with the labels of the candidates it covers joined, as
    与下一条合并 joins them (one lead at most); a passage extraction missed keeps its
    directive's position and themes."""
    directive = item.directive
    joined = DirectiveCandidate(
        source=source,
        start=start,
        end=end,
        text=source.text[start:end],
        part=covered[0].part if covered else directive.part,
        heading_path=covered[0].heading_path if covered else directive.heading_path,
        themes=[theme.name for theme in directive.themes.all()] if not covered else [],
    )
    has_lead = False
    for piece in covered:
        joined.themes = list(dict.fromkeys([*joined.themes, *piece.themes]))
        joined.groups = list(dict.fromkeys([*joined.groups, *piece.groups]))
        for entry in piece.units:
            if any(named["unit"] == entry["unit"] for named in joined.units):
                continue
            role = entry["role"]
            if role == Assignment.Role.LEAD and has_lead:
                role = Assignment.Role.RESPONSIBLE
            joined.units.append({"unit": entry["unit"], "role": role})
            has_lead = has_lead or role == Assignment.Role.LEAD
        if joined.deadline is None and not joined.immediate:
            joined.deadline, joined.deadline_phrase = piece.deadline, piece.deadline_phrase
            joined.immediate = piece.immediate
        if joined.target_quantity is None:
            joined.target_quantity, joined.target_unit = piece.target_quantity, piece.target_unit
    return joined


def ensure_assignments(office: User, *, years: int = 0) -> int:
    """Create the fixture's assignments that do not exist yet, each with its 下达 history row."""
    rows = _fixture("assignments")
    items = {item.code: item for item in ChecklistItem.objects.all()}
    units = {unit.name: unit for unit in Unit.objects.all()}
    existing = set(Assignment.objects.values_list("item__code", "unit__name"))
    shares = _even_shares(rows, items, years)
    created = 0
    for row in rows:
        fields = row["fields"]
        code = demo_calendar.shift_code(fields["item"][0], years)
        unit_name = fields["unit"][0]
        if (code, unit_name) in existing:
            continue
        item = items[code]
        due = demo_calendar.shift_value(fields.get("due_date"), years)
        services.assignment_create(
            item=item,
            unit=units[unit_name],
            user=office,
            role=fields["role"],
            due_date=date.fromisoformat(due) if due else None,
            share_quantity=shares.get((code, unit_name)),
            at=item.published_at or timezone.now(),
        )
        created += 1
    return created


def _even_shares(rows, items, years: int) -> dict[tuple[str, str], Decimal]:
    """分解数量 as an office splits a county target: evenly over the 牵头 and 责任 units, the
    remainder to the lead (按单位平均分解), so the county's 40 家 reads 40 on the dashboard."""
    counted: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        fields = row["fields"]
        if fields["role"] in Assignment.COUNTED_ROLES:
            code = demo_calendar.shift_code(fields["item"][0], years)
            counted.setdefault(code, []).append((fields["unit"][0], fields["role"]))
    shares = {}
    for code, units in counted.items():
        item = items[code]
        if item.target_quantity is None or is_rate_unit(item.target_unit) or len(units) < 2:
            continue
        try:
            each, rest = even_split(item.target_quantity, len(units))
        except SharesError:
            continue
        lead = next((u for u, role in units if role == Assignment.Role.LEAD), units[0][0])
        for unit, _role in units:
            shares[(code, unit)] = each + rest if unit == lead else each
    return shares


REPORT_NOTES = [
    "已召开专题部署会，明确分管领导和具体责任人。",
    "已完成辖区内{n}家单位的检查，发现问题{m}处，已当场整改{k}处。",
    "制定了工作方案，正在按时间节点推进。",
    "组织联合检查组开展第{n}轮检查，问题清单已建立台账。",
    "剩余问题已下发整改通知书，明确整改时限和责任人。",
    "已开展宣传培训{n}场次，覆盖{people}人次。",
    "对照任务要求逐项落实，相关资料已整理归档。",
]


def _moment(day: date, rng: random.Random) -> datetime:
    clock = time(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, clock))


def _note(rng: random.Random) -> str:
    n = rng.randint(3, 40)
    m = rng.randint(1, n)
    # People reached are derived, not drawn, so the demo's random sequence stays as it was.
    people = n * (30 + m)
    return rng.choice(REPORT_NOTES).format(n=n, m=m, k=rng.randint(0, m), people=people)


def _plan(assignment: Assignment, today: date, rng: random.Random) -> str:
    """Where this assignment should stand today: past deadlines are mostly closed, etc."""
    item = assignment.item
    if item.start_date >= today:
        return "not_started"
    roll = rng.random()
    if assignment.due_date is None:
        return "not_started" if roll < 0.1 else "in_progress"
    span = max((assignment.due_date - item.start_date).days, 1)
    elapsed = (today - item.start_date).days / span
    # A county mid-stream: most past-due work closed, a few shares late, the running work
    # mostly on schedule (see _final_fraction), little not started once its time is running.
    if assignment.due_date < today:
        weights = [
            ("verified", 0.74),
            ("submitted", 0.08),
            ("in_progress", 0.13),
            ("not_started", 0.05),
        ]
    elif elapsed > 0.5:
        weights = [
            ("verified", 0.15),
            ("submitted", 0.15),
            ("in_progress", 0.62),
            ("not_started", 0.08),
        ]
    else:
        weights = [
            ("verified", 0.05),
            ("submitted", 0.05),
            ("in_progress", 0.6),
            ("not_started", 0.3 if elapsed < 0.25 else 0.1),
        ]
    if assignment.role == Assignment.Role.COOPERATE:
        weights = [(s, w * (0.5 if s in ("verified", "submitted") else 1.3)) for s, w in weights]
    total = sum(w for _, w in weights)
    roll *= total
    for status, weight in weights:
        if roll < weight:
            return status
        roll -= weight
    return weights[-1][0]


def _final_fraction(assignment: Assignment, today: date, rng: random.Random) -> float | None:
    """Where a running dated share stands: around its 序时进度, seldom far behind; None for
    long-term and past-due shares, whose reports keep their own spread."""
    due, start = assignment.due_date, assignment.item.start_date
    if due is None or due < today:
        return None
    elapsed = (today - start).days / max((due - start).days, 1)
    return min(max(elapsed + rng.uniform(-0.25, 0.3), 0.1), 0.95)


def _progress(target: Decimal | None, due: date | None, fraction: float) -> dict:
    """What a report at ``fraction`` of the work sends: a quantity against the unit's own
    target, else a percent; nothing for a 长期 share."""
    if target:
        return {"quantity": (target * Decimal(str(fraction))).quantize(Decimal("1"))}
    if due is None:
        return {}  # a 长期 share reports each period's progress, not a percent
    return {"percent": int(fraction * 100)}


def seed_progress(
    assignment: Assignment,
    *,
    office: User,
    reporter: User,
    today: date,
    until: datetime | None = None,
) -> str:
    # Seeded by the item's number and the unit, not the year: every year's demo tells the same
    # story, so what was measured on one day holds on the same day of another year.
    code, unit_name = assignment.natural_key()
    rng = random.Random(f"{code.partition('-')[2]}/{unit_name}")
    goal = _plan(assignment, today, rng)
    if goal == "not_started":
        return goal
    item = assignment.item
    window_end = min(assignment.due_date or today, today - timedelta(days=1))
    published = timezone.localdate(item.published_at) if item.published_at else today
    first = max(item.start_date + timedelta(days=3), published + timedelta(days=1))
    if window_end <= first:
        return "not_started"
    span = (window_end - first).days
    reports = rng.randint(1, 3) if assignment.due_date else min(span // 30 + 1, 6)
    days = sorted({first + timedelta(days=rng.randint(0, span)) for _ in range(reports)})
    fractions = sorted(rng.uniform(0.15, 0.9) for _ in days)
    final = _final_fraction(assignment, today, rng)
    if final is not None:
        # Reports climb to where this share stands today, near the time-elapsed share.
        fractions = [f * final / fractions[-1] for f in fractions]
    # Read once: each service call reloads the assignment and drops its cached item, which is
    # put back after it (the reports change the share, never its item).
    target, due = assignment.target if item.target_quantity else None, assignment.due_date
    for day, fraction in zip(days, fractions, strict=True):
        services.assignment_report(
            assignment=assignment,
            user=reporter,
            note=_note(rng),
            at=_moment(day, rng),
            **_progress(target, due, fraction),
        )
        assignment.item = item
    if goal in ("submitted", "verified"):
        now = until or timezone.now()
        if goal == "submitted":
            # Still waiting for review: submitted recently, as a real queue would be.
            submit_day = max(days[-1], today - timedelta(days=rng.randint(1, 20)))
        else:
            submit_day = min(days[-1] + timedelta(days=rng.randint(1, 10)), today)
        submit_at = min(_moment(submit_day, rng), now - timedelta(minutes=30))
        services.assignment_submit(
            assignment=assignment,
            user=reporter,
            note="已按要求完成，佐证材料已整理，请审核。",
            at=submit_at,
            **_progress(target, due, 1.0),
        )
        assignment.item = item
        approve_day = submit_day + timedelta(days=rng.randint(1, 6))
        approve_at = max(_moment(approve_day, rng), submit_at + timedelta(hours=2))
        if goal == "verified" and approve_at < now:
            services.assignment_approve(
                assignment=assignment,
                user=office,
                note="经核查，符合要求，同意销号。",
                at=approve_at,
            )
    return goal


def seed_all_progress(
    *, office: User, today: date | None = None, year: int | None = None, until=None
) -> int:
    """Seed assignments that have nothing but their 下达 row; returns how many got progress.

    Only on the first load with progress (per 年度 when ``year`` is given): the demo's story
    is told as of that day, so loading again on any later day (when the shares still untouched
    would tell a later one) adds nothing. ``until`` ends the story earlier than now (the day
    last year's plan was closed).
    """
    today = today or timezone.localdate()
    plan = Assignment.objects.filter(item__state=ChecklistItem.State.PUBLISHED)
    if year is not None:
        plan = plan.filter(item__year=year)
    if StatusUpdate.objects.filter(assignment__in=plan).exclude(kind="assign").exists():
        return 0
    untouched = (
        plan.exclude(history__kind__in=[k for k in StatusUpdate.Kind.values if k != "assign"])
        .select_related("item", "unit")
        .order_by("item__code", "unit__sort_order")
    )
    reporters = {}
    seeded = 0
    for assignment in untouched:
        unit = assignment.unit
        if unit.pk not in reporters:
            reporters[unit.pk] = unit_reporter(unit)
        goal = seed_progress(
            assignment, office=office, reporter=reporters[unit.pk], today=today, until=until
        )
        if goal != "not_started":
            seeded += 1
    return seeded


def last_year_closing_day(plan: int) -> date:
    """Last year's plan is closed on the first of March: its deadlines still running then
    stay open in it, as the close page lists."""
    return date(plan, 3, 1)


def close_last_year(*, office: User, plan: int) -> bool:
    """Seed last year's plan as of its closing day and close it (年度归档), once."""
    last = plan - 1
    if WorkYear.objects.filter(year=last, state=WorkYear.State.CLOSED).exists():
        return False
    day = last_year_closing_day(plan)
    moment = timezone.make_aware(datetime.combine(day, time(16, 30)))
    seed_all_progress(office=office, today=day, year=last, until=moment - timedelta(hours=1))
    year_close(
        year=last,
        user=office,
        carry_item_ids=[],
        today=day,
        note="演示：上年度计划按3月1日的进度归档；长期任务已列入本年度计划。",
        at=moment,
    )
    return True


def unit_reporter(unit: Unit) -> User:
    """Each unit's progress is reported by its own 联络员; units without a demo account get one."""
    user = User.objects.filter(unit=unit, role=User.Role.STAFF, is_active=True).first()
    if user:
        return user
    user = User(
        username=f"unit{unit.pk}",
        role=User.Role.STAFF,
        unit=unit,
        display_name=f"{unit.label}联络员",
    )
    user.set_unusable_password()
    user.save()
    return user


EXTENSION_REASONS = [
    "涉及企业停产检修，现场核查需顺延，申请延期一个月。",
    "配套资金尚未下达，整改工程需待资金到位后实施。",
    "恰逢汛期和防汛值守，检查组人员不足，申请延期。",
]


def seed_requests(*, office: User, today: date, year: int) -> int:
    """A few 延期申请 waiting for the office and a 督办单 or two, as a county mid-year has.

    Written once: when the demo already holds any, nothing is added.
    """
    if ExtensionRequest.objects.exists() or Supervision.objects.exists():
        return 0
    open_shares = (
        Assignment.objects.filter(
            item__year=year,
            item__state=ChecklistItem.State.PUBLISHED,
            role__in=Assignment.COUNTED_ROLES,
            status__in=[Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS],
            due_date__isnull=False,
        )
        .select_related("item", "unit")
        .order_by("due_date", "item__code", "unit__sort_order")
    )
    written = 0
    due_soon = [a for a in open_shares if today <= a.due_date <= today + timedelta(days=30)]
    asked = _moment(today - timedelta(days=2), random.Random("extensions"))
    for assignment, reason in zip(
        due_soon[:: max(len(due_soon) // 3, 1)], EXTENSION_REASONS, strict=False
    ):
        services.extension_request(
            assignment=assignment,
            user=unit_reporter(assignment.unit),
            new_due_date=assignment.due_date + timedelta(days=30),
            reason=reason,
            at=asked,
        )
        written += 1
    overdue = [a for a in open_shares if a.due_date < today - timedelta(days=3)]
    for assignment in overdue[-2:]:  # the most recently overdue: the office chases them first
        services_supervise(
            assignment=assignment,
            user=office,
            note="请于3个工作日内报送整改进展。",
            at=_moment(today - timedelta(days=1), random.Random(assignment.item.code)),
        )
        written += 1
    return written
