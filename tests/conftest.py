"""The shared little world every test builds on.

Two townships (A and B), a department and the office; an office admin, a leader, a staff
member of township A and one of township B who must be refused A's work, and a 网格员 of each
township (the registers' fixture gives them grids).
"""

import logging
import os
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from checklist.models import ChecklistItem, Directive, Source, Theme
from tracker import services
from tracker.accounts import office_group
from tracker.models import Assignment, Unit, User

PASSWORD = "Test-pass-7391"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Live-server browser tests run Django's ORM from Playwright's event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


COUNTY = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def today():
    """The day every test runs on: the county's real date, read before the clock is frozen."""
    return datetime.now(COUNTY).date()


@pytest.fixture(autouse=True)
def _frozen_clock(today):
    """Every test starts at 10:00 of `today` in the county and time flows on from there, so
    timeouts, file ages and throttle windows behave; no test straddles midnight."""
    with time_machine.travel(datetime.combine(today, time(10), tzinfo=COUNTY), tick=True) as t:
        yield t


def local(day, at=time(9)):
    """An aware datetime in the county on that day."""
    return datetime.combine(day, at, tzinfo=COUNTY)


class World:
    pass


@pytest.fixture
def world(db, django_user_model, today):
    """Dates follow `today`: the items started ten weeks ago and are due in eight weeks, so
    their work is running, not yet due soon, and nothing is overdue."""
    w = World()
    w.today = today
    w.year = year = today.year
    start = today - timedelta(weeks=10)
    deadline = today + timedelta(weeks=8)
    w.office_unit = Unit.objects.create(
        name="县安委办", short_name="安委办", kind="other", sort_order=1
    )
    w.town_a = Unit.objects.create(name="城关镇", kind="township", sort_order=10)
    w.town_b = Unit.objects.create(name="河西镇", kind="township", sort_order=20)
    w.dept = Unit.objects.create(
        name="县应急管理局", short_name="应急局", kind="department", sort_order=30
    )
    w.theme = Theme.objects.create(name="隐患排查治理", sort_order=10)
    w.theme_std = Theme.objects.create(name="安全生产标准化创建", sort_order=20)
    w.source = Source.objects.create(
        key="county-meeting",
        title="全县安全生产工作会议讲话",
        text="一、全面开展隐患排查。各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。",
    )
    w.directive = Directive.objects.create(
        source=w.source, part=1, heading_path="一、", start=11, end=38, text=w.source.text[11:38]
    )
    w.item = ChecklistItem.objects.create(
        code=f"{year}-001",
        title="开展拉网式隐患排查",
        theme=w.theme,
        directive=w.directive,
        start_date=start,
        deadline=deadline,
        state="published",
        published_at=local(start),
    )
    w.item_target = ChecklistItem.objects.create(
        code=f"{year}-002",
        title="完成40家小微企业标准化创建",
        theme=w.theme_std,
        start_date=start,
        deadline=deadline,
        target_quantity=40,
        target_unit="家",
        state="published",
        published_at=local(start),
    )
    w.draft = ChecklistItem.objects.create(
        code=f"{year}-099",
        title="草稿任务",
        theme=w.theme,
        start_date=start,
        deadline=deadline,
    )

    def user(username, role, unit, **extra):
        return django_user_model.objects.create_user(
            username=username, password=PASSWORD, role=role, unit=unit, **extra
        )

    w.office = user(
        "office", User.Role.OFFICE, w.office_unit, display_name="安委办张科长", is_staff=True
    )
    w.office.groups.add(office_group())
    w.leader = user("leader", User.Role.LEADER, None, display_name="李县长")
    w.staff_a = user("staff_a", User.Role.STAFF, w.town_a, display_name="城关镇王干事")
    w.staff_b = user("staff_b", User.Role.STAFF, w.town_b, display_name="河西镇赵干事")
    # 网格员 of each township: they see their own grids' enterprises and no task.
    w.grid_a = user("grid_a", User.Role.GRID, w.town_a, display_name="城关镇网格员小刘")
    w.grid_b = user("grid_b", User.Role.GRID, w.town_b, display_name="河西镇网格员小周")

    w.a_item = services.assignment_create(item=w.item, unit=w.town_a, user=w.office)
    w.b_item = services.assignment_create(item=w.item, unit=w.town_b, user=w.office)
    w.lead = services.assignment_create(
        item=w.item, unit=w.dept, user=w.office, role=Assignment.Role.LEAD
    )
    w.a_target = services.assignment_create(item=w.item_target, unit=w.town_a, user=w.office)
    w.a_draft = services.assignment_create(item=w.draft, unit=w.town_a, user=w.office)
    return w


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing costs 40-500 ms per user; tests only need hashing to work.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # Accounts made outside a test (module fixtures) are hashed as in production.
        "tracker.security.Argon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def request_log(caplog):
    """Records of the django.request logger: server errors and their tracebacks."""
    # django.request does not propagate to the root logger, where caplog listens.
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture
def events(caplog):
    """The tracker.security log's records so far (call it)."""
    # tracker.security does not propagate to the root logger, where caplog listens.
    logger = logging.getLogger("tracker.security")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="tracker.security")
    yield lambda: [r for r in caplog.records if r.name == "tracker.security"]
    logger.removeHandler(caplog.handler)


def real_clock_env():
    """The environment without libfaketime: Chromium hangs at start under it, and the dates a
    page shows come from the server, whose clock is the one a date-independence run moves."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split() if "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    return env


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, on the real clock even when the suite runs under
    faketime. Missing Chromium skips, unless REQUIRE_BROWSER=1."""
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        message = f"没有找到 Chromium（{executable}），请先 apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, env=real_clock_env()
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    """A fresh phone-sized browser page; a screenshot of it is kept in test-artifacts/."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    # Generous: CI runs three suites side by side on two cores; expect() still returns as
    # soon as the page is right, so only a real failure waits this long.
    context.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    new_page = context.new_page()
    yield new_page
    ARTIFACTS.mkdir(exist_ok=True)
    new_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker):
    """Run setup once per module, committed, and empty the database after the module.

    For data that is slow to build (the demo county); each test still runs in its own
    transaction on top of it, rolled back afterwards.
    """
    from django.core.management import call_command

    def _run(setup):
        with django_db_blocker.unblock():
            return setup()

    yield _run
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def clock(_frozen_clock):
    """Stops the clock and moves it on (throttle windows, cookie expiry, the 12-hour check)
    without sleeping."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:

        class Clock:
            @property
            def now(self):
                return timezone.now()

            def advance(self, **delta):
                traveller.shift(timedelta(**delta))

        yield Clock()


class Registers:
    pass


@pytest.fixture
def registers(world):
    """The registers on the shared world: in township A a 村 with two 网格 (the first kept by
    world.grid_a, the second by a 网格员 without an account), three enterprises (one 九小场所
    without a code and without a grid); in township B one 网格 kept by world.grid_b with one
    enterprise. 工贸 and 危险化学品 are supervised by world.dept."""
    from tracker.enterprises import services as registers_services
    from tracker.enterprises.credit_code import make
    from tracker.enterprises.industries import ensure_industries
    from tracker.enterprises.models import Enterprise, Industry

    r = Registers()
    office = world.office
    industries = ensure_industries()  # a transactional test before this one flushed them
    r.trade, r.chemicals = industries["工贸"], industries["危险化学品"]
    r.small = industries["九小场所"]
    Industry.objects.filter(pk__in=[r.trade.pk, r.chemicals.pk]).update(supervisor=world.dept)
    r.trade.refresh_from_db()
    r.chemicals.refresh_from_db()
    grid = registers_services.grid_create
    r.village_a = grid(user=office, township=world.town_a, name="东关村")
    r.grid_a1 = grid(user=office, township=world.town_a, name="东关一网格", parent=r.village_a)
    r.grid_a2 = grid(user=office, township=world.town_a, name="东关二网格", parent=r.village_a)
    r.village_b = grid(user=office, township=world.town_b, name="河西村")
    r.grid_b1 = grid(user=office, township=world.town_b, name="河西一网格", parent=r.village_b)
    member = registers_services.member_add
    r.leader_a1 = member(
        user=office, grid=r.grid_a1, name="东关村支书", phone="13800000001", role="leader"
    )
    r.member_a1 = member(
        user=office, grid=r.grid_a1, name="刘网格", phone="13800000002", account=world.grid_a
    )
    r.member_a2 = member(user=office, grid=r.grid_a2, name="陈网格", phone="13800000003")
    r.member_b1 = member(
        user=office, grid=r.grid_b1, name="周网格", phone="13800000004", account=world.grid_b
    )

    def enterprise(name, township, industry, grid=None, code="", **extra):
        return registers_services.enterprise_save(
            user=office,
            enterprise=Enterprise(
                name=name,
                township=township,
                industry=industry,
                grid=grid,
                credit_code=code,
                **extra,
            ),
        )

    r.tannery = enterprise(
        "城关皮革制品有限公司", world.town_a, r.trade, r.grid_a1, make("91440000MA0000001"),
        risk="general", principal="王厂长", principal_phone="13900000001",
    )  # fmt: skip
    r.station = enterprise(
        "城关加油站", world.town_a, r.chemicals, r.grid_a2, make("91440000MA0000002"),
        risk="larger",
    )  # fmt: skip
    r.snack = enterprise("东关小吃店", world.town_a, r.small, village=r.village_a)
    r.plant = enterprise(
        "河西化工有限公司", world.town_b, r.chemicals, r.grid_b1, make("91440000MA0000003"),
        risk="major",
    )  # fmt: skip
    return r
