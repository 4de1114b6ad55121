"""Who may do what: office, leader, staff of township A, staff of township B, the 网格员 of
township A and of township B, anonymous, against every view, on township A's assignment; and
the registers' pages, on township A's enterprise, with a department's staff too. Refused
requests change nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services
from tracker.models import Assignment

USERS = ["office", "leader", "staff_a", "staff_b", "grid_a", "grid_b", "anonymous"]
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def prepare(world, view):
    """Put township A's assignment in the state the view acts on; return (url, method, data)."""
    a = world.a_item
    later = world.item.deadline + timedelta(days=90)
    if view == "home":
        return reverse("home"), "get", None
    if view == "list":
        return reverse("assignment_list"), "get", None
    if view == "detail":
        return reverse("assignment_detail", args=[a.pk]), "get", None
    if view == "queue":
        return reverse("review_queue"), "get", None
    if view == "evidence":
        update = services.assignment_report(
            assignment=a,
            user=world.staff_a,
            percent=10,
            files=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")],
        )
        return reverse("evidence_download", args=[update.evidence.get().pk]), "get", None
    if view == "report":
        return (
            reverse("assignment_report", args=[a.pk]),
            "post",
            {
                "action": "report",
                "percent": "50",
                "version": a.version,
            },
        )
    if view == "extension":
        return (
            reverse("extension_request", args=[a.pk]),
            "post",
            {
                "new_due_date": later.isoformat(),
                "reason": "冬季停工",
            },
        )
    if view == "review":
        services.assignment_submit(assignment=a, user=world.staff_a)
        a.refresh_from_db()
        return (
            reverse("assignment_review", args=[a.pk]),
            "post",
            {
                "decision": "approve",
                "version": a.version,
            },
        )
    if view == "decide":
        extension = services.extension_request(
            assignment=a, user=world.staff_a, new_due_date=later, reason="冬季停工"
        )
        return reverse("extension_decide", args=[extension.pk]), "post", {"decision": "approve"}
    if view == "bulk":
        return (
            reverse("bulk_action"),
            "post",
            {
                "action": "set_due",
                "due_date": (later + timedelta(days=30)).isoformat(),
                "ids": [a.pk],
            },
        )
    raise AssertionError(view)


# Expected status per view for office, leader, staff_a, staff_b, grid_a, grid_b (anonymous
# always → login). A 网格员 sees no task, not even their own township's.
MATRIX = {
    "home": (200, 302, 200, 200, 302, 302),  # a leader lands on the dashboard, a 网格员 on 我的网格
    "list": (200, 200, 200, 200, 200, 200),
    "detail": (200, 200, 200, 404, 404, 404),
    "queue": (200, 200, 403, 403, 403, 403),
    "evidence": (200, 200, 200, 404, 404, 404),
    "report": (302, 403, 302, 404, 404, 404),
    "extension": (302, 403, 302, 404, 404, 404),
    "review": (302, 403, 403, 404, 404, 404),
    "decide": (302, 403, 403, 404, 404, 404),
    "bulk": (302, 403, 403, 403, 403, 403),
}


def state_of(assignment: Assignment):
    assignment.refresh_from_db()
    return (
        assignment.status,
        assignment.percent,
        assignment.due_date,
        assignment.version,
        assignment.history.count(),
        assignment.extensions.filter(state="pending").count(),
    )


@pytest.mark.parametrize("view", MATRIX)
@pytest.mark.parametrize("who", USERS)
def test_each_role_gets_exactly_what_it_may(client, world, view, who):
    url, method, data = prepare(world, view)
    before = state_of(world.a_item)
    if who != "anonymous":
        client.force_login(getattr(world, who))
    response = (
        getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        expected = None
    else:
        expected = MATRIX[view][USERS.index(who)]
        assert response.status_code == expected, (view, who, response.status_code)
    if method == "post" and expected != 302:
        assert state_of(world.a_item) == before, "a refused request changed something"
    if method == "post" and expected == 302:
        assert state_of(world.a_item) != before, "an allowed request changed nothing"


@pytest.mark.parametrize("view", ["report", "extension", "review", "decide", "bulk"])
def test_state_never_changes_on_get(login, world, view):
    url, _, _ = prepare(world, view)
    before = state_of(world.a_item)
    response = login(world.office).get(url)
    assert response.status_code == 405
    assert state_of(world.a_item) == before


def test_staff_cannot_close_their_own_assignment_by_crafting_a_post(login, world):
    client = login(world.staff_a)
    response = client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "approve", "percent": "100", "version": world.a_item.version},
    )
    assert response.status_code == 400
    assert "不允许的操作" in response.content.decode()
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    response = client.post(
        reverse("assignment_review", args=[world.a_item.pk]),
        {"decision": "approve", "version": world.a_item.version},
    )
    assert response.status_code == 403
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted"


def test_history_of_another_unit_never_leaks_through_the_list_page(login, world):
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=10, note="城关镇机密进展"
    )
    for params in [{}, {"q": "城关"}, {"unit": world.town_a.pk}, {"status": "in_progress"}]:
        page = login(world.staff_b).get(reverse("assignment_list"), params).content.decode()
        assert "城关镇机密进展" not in page and "城关镇" not in page


# --- the registers (企业台账, 网格, 巡查检查, 标准化创建) ------------------------------------------

REGISTER_USERS = ["office", "leader", "staff_a", "staff_b", "dept", "grid_a", "grid_b"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def dept_staff(world, django_user_model):
    """A department's staff: 县应急管理局 supervises township A's 工贸 and 危化 enterprises."""
    return django_user_model.objects.create_user(
        "dept_staff", password="x", role="staff", unit=world.dept
    )


def prepare_register(world, registers, view, today):
    """Township A's enterprise (the tannery, in 网格员 A's grid) in the state the view acts on;
    return (url, method, data)."""
    from django.urls import reverse as r

    from tracker.enterprises import services as reg

    tannery = registers.tannery
    if view == "reg_list":
        return r("enterprises:enterprise_list"), "get", None
    if view == "reg_detail":
        return r("enterprises:enterprise_detail", args=[tannery.pk]), "get", None
    if view == "reg_export":
        return r("enterprises:enterprise_export"), "get", None
    if view == "reg_import":
        return r("enterprises:enterprise_import"), "get", None
    if view == "reg_template":
        return r("enterprises:enterprise_import_template"), "get", None
    if view == "reg_confirm":
        return r("enterprises:enterprise_import_confirm"), "post", {"token": "0" * 32}
    if view == "inspect_pick":
        return r("enterprises:inspect_pick"), "get", {"q": "城关"}
    if view == "inspect_form":
        return r("enterprises:inspection_new", args=[tannery.pk]), "get", None
    if view == "inspect":
        data = {"inspected_on": today.isoformat(), "result": "clear", "signature": "检查人"}
        return r("enterprises:inspection_new", args=[tannery.pk]), "post", data
    if view == "photo":
        inspection = reg.inspection_record(
            user=world.grid_a, enterprise=tannery, inspected_on=today, result="clear",
            signature="刘网格", photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        )  # fmt: skip
        return r("enterprises:photo_download", args=[inspection.photos.get().pk]), "get", None
    if view == "std_add":
        data = {"level": "third", "state": "building"}
        return r("enterprises:standardization_add", args=[tannery.pk]), "post", data
    if view == "std_change":
        record = reg.standardization_create(user=world.office, enterprise=tannery, level="third")
        data = {f"r{record.pk}-state": "applied", f"r{record.pk}-version": record.version}
        return r("enterprises:standardization_change", args=[record.pk]), "post", data
    if view == "grids":
        return r("enterprises:grid_coverage"), "get", None
    if view == "grids_a":
        return r("enterprises:grid_coverage"), "get", {"township": world.town_a.pk}
    if view == "grid_home":
        return r("enterprises:grid_home"), "get", None
    raise AssertionError(view)


# office, leader, staff_a, staff_b, dept, grid_a, grid_b. Another township's enterprise is
# "not found" (404, no hint); a role that may never do a thing is refused (403).
REGISTER_MATRIX = {
    "reg_list": (200, 200, 200, 200, 200, 200, 200),
    "reg_detail": (200, 200, 200, 404, 200, 200, 404),
    "reg_export": (200, 200, 200, 200, 200, 200, 200),
    "reg_import": (200, 403, 403, 403, 403, 403, 403),
    "reg_template": (200, 403, 403, 403, 403, 403, 403),
    "reg_confirm": (410, 403, 403, 403, 403, 403, 403),
    "inspect_pick": (200, 403, 200, 200, 200, 200, 200),
    "inspect_form": (200, 403, 200, 404, 200, 200, 404),
    "inspect": (302, 403, 302, 404, 302, 302, 404),
    "photo": (200, 200, 200, 404, 200, 200, 404),
    "std_add": (302, 403, 302, 404, 302, 403, 404),
    "std_change": (302, 403, 302, 404, 302, 403, 404),
    "grids": (200, 200, 200, 200, 403, 200, 200),
    # Another township's id in the query string: the township's own staff see their own.
    "grids_a": (200, 200, 200, 200, 403, 200, 200),
    "grid_home": (403, 403, 403, 403, 403, 200, 200),
}


def register_state():
    from tracker.enterprises.models import (
        Enterprise,
        Inspection,
        Standardization,
        StandardizationChange,
    )

    return (
        Inspection.objects.count(),
        Standardization.objects.count(),
        StandardizationChange.objects.count(),
        list(Standardization.objects.values_list("state", flat=True)),
        Enterprise.objects.count(),
    )


@pytest.mark.parametrize("view", REGISTER_MATRIX)
@pytest.mark.parametrize("who", [*REGISTER_USERS, "anonymous"])
def test_each_role_gets_exactly_what_it_may_in_the_registers(
    client, world, registers, dept_staff, today, view, who
):
    url, method, data = prepare_register(world, registers, view, today)
    before = register_state()
    if who != "anonymous":
        client.force_login(dept_staff if who == "dept" else getattr(world, who))
    response = (
        getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        expected = None
    else:
        expected = REGISTER_MATRIX[view][REGISTER_USERS.index(who)]
        assert response.status_code == expected, (view, who, response.status_code)
    if method == "post" and expected != 302:
        assert register_state() == before, "a refused request changed something"
    if method == "post" and expected == 302:
        assert register_state() != before, "an allowed request changed nothing"


@pytest.mark.parametrize("who", ["staff_b", "grid_b"])
def test_another_townships_grids_never_show_on_the_grid_page(login, world, registers, who):
    page = login(getattr(world, who)).get(
        reverse("enterprises:grid_coverage"), {"township": world.town_a.pk}
    )
    text = page.content.decode()
    assert "东关一网格" not in text and "刘网格" not in text and "城关镇" not in text


# --- the 隐患台账 -------------------------------------------------------------------------------


def prepare_hazard(world, registers, view, today):
    """A 一般 hazard of township A's tannery (网格员 A's grid, supervised by the department) in
    the state the view acts on; return (url, method, data)."""
    from django.urls import reverse as r

    from tests.hazard_helpers import plan, png, record
    from tracker.enterprises import services as reg
    from tracker.hazards import services as hz

    tannery = registers.tannery
    if view in ("hz_list", "hz_export", "hz_summary", "hz_dashboard", "hz_import"):
        name = {"hz_list": "hazard_list", "hz_export": "hazard_export",
                "hz_summary": "hazard_summary", "hz_dashboard": "hazard_dashboard",
                "hz_import": "hazard_import"}[view]  # fmt: skip
        return r(f"hazards:{name}"), "get", None
    if view == "hz_confirm":
        return r("hazards:hazard_import_confirm"), "post", {"token": "0" * 32}
    if view == "hz_new_form":
        return r("hazards:hazard_new"), "get", {"enterprise": tannery.pk}
    if view == "hz_record":
        data = {"enterprise": tannery.pk, "description": "通道堵塞", "found_on": today.isoformat(),
                "source": "grid", "category": "site", "level": "general"}  # fmt: skip
        return r("hazards:hazard_new"), "post", data
    if view == "hz_convert":
        inspection = reg.inspection_record(
            user=world.office, enterprise=tannery, inspected_on=today, result="hazards",
            hazards=["灭火器过期"], signature="检查人", today=today,
        )  # fmt: skip
        return r("hazards:inspection_convert", args=[inspection.pk]), "post", {}
    hazard = record(world.office, today, enterprise=tannery, photos=[png("前.png")])
    if view == "hz_detail":
        return r("hazards:hazard_detail", args=[hazard.pk]), "get", None
    if view == "hz_photo":
        return r("hazards:photo_download", args=[hazard.photos.get().pk]), "get", None
    if view == "hz_plan":
        data = {"plan-measures": "接地", "plan-responsible": "王厂长", "plan-funds": "0",
                "plan-deadline": today.isoformat(), "plan-contingency": "断电"}  # fmt: skip
        return r("hazards:hazard_action", args=[hazard.pk, "plan"]), "post", data
    if view == "hz_void":
        data = {"void-reason": "重复登记"}
        return r("hazards:hazard_action", args=[hazard.pk, "void"]), "post", data
    if view == "hz_accept":
        plan(world.office, hazard, today)
        hz.hazard_submit(user=world.office, hazard=hazard, photos=[png()], today=today)
        data = {"accept-accepted_on": today.isoformat(), "accept-signer": "验收人"}
        return r("hazards:hazard_action", args=[hazard.pk, "accept"]), "post", data
    raise AssertionError(view)


# office, leader, staff_a, staff_b, dept, grid_a, grid_b. Another township's hazard is "not
# found" (404, no hint); a step the role may never take is refused (403).
HAZARD_MATRIX = {
    "hz_list": (200, 200, 200, 200, 200, 200, 200),
    "hz_detail": (200, 200, 200, 404, 200, 200, 404),
    "hz_photo": (200, 200, 200, 404, 200, 200, 404),
    "hz_new_form": (200, 403, 200, 404, 200, 200, 404),
    "hz_record": (302, 403, 302, 404, 302, 302, 404),
    "hz_convert": (302, 403, 302, 404, 302, 302, 404),
    "hz_plan": (302, 403, 302, 404, 302, 403, 404),
    # A 一般 hazard is accepted by its township (or the office), not by the department.
    "hz_accept": (302, 403, 302, 404, 403, 403, 404),
    "hz_void": (302, 403, 403, 404, 403, 403, 404),
    "hz_export": (200, 200, 200, 200, 200, 200, 200),
    "hz_summary": (200, 200, 200, 200, 200, 200, 200),
    "hz_dashboard": (200, 200, 403, 403, 403, 403, 403),
    "hz_import": (200, 403, 403, 403, 403, 403, 403),
    "hz_confirm": (410, 403, 403, 403, 403, 403, 403),
}


def hazard_state():
    from tracker.hazards.models import Hazard, HazardChange

    return (
        Hazard.objects.count(),
        HazardChange.objects.count(),
        list(Hazard.objects.order_by("pk").values_list("state", "voided")),
    )


@pytest.mark.parametrize("view", HAZARD_MATRIX)
@pytest.mark.parametrize("who", [*REGISTER_USERS, "anonymous"])
def test_each_role_gets_exactly_what_it_may_in_the_hazard_register(
    client, world, registers, dept_staff, today, view, who
):
    url, method, data = prepare_hazard(world, registers, view, today)
    before = hazard_state()
    if who != "anonymous":
        client.force_login(dept_staff if who == "dept" else getattr(world, who))
    response = (
        getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        expected = None
    else:
        expected = HAZARD_MATRIX[view][REGISTER_USERS.index(who)]
        assert response.status_code == expected, (view, who, response.status_code)
    if method == "post" and expected != 302:
        assert hazard_state() == before, "a refused request changed something"
    if method == "post" and expected == 302:
        assert hazard_state() != before, "an allowed request changed nothing"
