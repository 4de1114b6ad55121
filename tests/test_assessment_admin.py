"""年度考核 in the admin: the office builds an open scheme's items, rules and 一票否决 there and
the results use them; a closed (归档) scheme is read-only; 复制为下一年度方案; nobody else gets
in; 加减分, 扣分调整, 申诉 and the frozen results are only viewed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.test_assessment_selectors import accident
from tracker.assessment import results, services
from tracker.assessment.demo import ensure_scheme
from tracker.assessment.models import (
    Adjustment,
    Appeal,
    FrozenResult,
    LineOverride,
    Rule,
    Scheme,
    SchemeItem,
    Veto,
)


@pytest.fixture
def root(django_user_model, world):
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.fixture
def empty_scheme(world, today):
    return Scheme.objects.create(
        year=today.year, kind="township", name=f"{today.year}年度乡镇街道考核方案"
    )


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": initial}


def scheme_form(scheme, **extra):
    """The scheme's change form with its own fields as they are and no inline row touched."""
    return {
        "name": scheme.name,
        "excellent": scheme.excellent,
        "good": scheme.good,
        "passing": scheme.passing,
        **management("items"),
        **management("vetoes"),
        **extra,
    }


def item_form(scheme, name, points, *rules, sort_order=1):
    data = {"scheme": scheme.pk, "name": name, "points": points, "sort_order": sort_order}
    data.update(management("rules", len(rules)))
    for i, (kind, per, threshold) in enumerate(rules):
        data.update({f"rules-{i}-kind": kind, f"rules-{i}-points": per})
        data[f"rules-{i}-threshold"] = "" if threshold is None else threshold
    return data


def shape(scheme):
    """Everything a copy must carry over, without the ids."""
    items = [
        (
            item.name,
            item.points,
            item.sort_order,
            [(r.kind, r.points, r.threshold) for r in item.rules.all()],
        )
        for item in scheme.items.prefetch_related("rules")
    ]
    bands = (scheme.excellent, scheme.good, scheme.passing)
    return items, sorted(scheme.vetoes.values_list("kind", flat=True)), bands


def frozen(scheme):
    """A closed scheme's rows, to compare before and after."""
    return (
        shape(scheme),
        scheme.name,
        list(FrozenResult.objects.filter(scheme=scheme).values()),
    )


# --- an open scheme --------------------------------------------------------------------------


def test_the_office_adds_an_item_a_rule_and_a_veto_and_the_results_use_them(
    login, world, today, empty_scheme
):
    world.a_item.due_date = today - timedelta(days=1)
    world.a_item.save()
    accident(world.town_a, today, level="large", deaths=3, days_ago=0)
    client = login(world.office)

    response = client.post(
        reverse("admin:assessment_schemeitem_add"),
        item_form(empty_scheme, "重点任务完成", "100", ("overdue", "3", None)),
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:assessment_scheme_change", args=[empty_scheme.pk]),
        scheme_form(empty_scheme, **management("vetoes", 1), **{"vetoes-0-kind": "large_accident"}),
    )
    assert response.status_code == 302

    rule = Rule.objects.get(item__scheme=empty_scheme)
    assert (rule.item.name, rule.kind, rule.points) == ("重点任务完成", "overdue", Decimal(3))
    town_a = results.unit_result(empty_scheme, world.town_a, as_of=today, today=today)
    assert town_a["score"] == "97.00"
    assert town_a["grade"] == "不合格" and town_a["vetoes"]
    town_b = results.unit_result(empty_scheme, world.town_b, as_of=today, today=today)
    assert (town_b["score"], town_b["vetoes"]) == ("100.00", [])


def test_the_office_removes_an_item_and_a_rule_of_an_open_scheme(login, world, today):
    scheme = ensure_scheme(today.year, "township")
    tasks = scheme.items.get(name="重点任务完成")
    returned = tasks.rules.get(kind="returned")
    client = login(world.office)
    rules = list(tasks.rules.all())
    data = item_form(scheme, tasks.name, tasks.points, sort_order=tasks.sort_order)
    data.update(management("rules", len(rules), len(rules)))
    for i, r in enumerate(rules):
        data.update({f"rules-{i}-id": r.pk, f"rules-{i}-item": tasks.pk, f"rules-{i}-kind": r.kind})
        data.update({f"rules-{i}-points": r.points, f"rules-{i}-threshold": r.threshold or ""})
        if r == returned:
            data[f"rules-{i}-DELETE"] = "on"
    response = client.post(reverse("admin:assessment_schemeitem_change", args=[tasks.pk]), data)
    assert response.status_code == 302
    assert not Rule.objects.filter(pk=returned.pk).exists()
    assert tasks.rules.count() == len(rules) - 1

    accidents = scheme.items.get(name="事故控制")
    response = client.post(
        reverse("admin:assessment_schemeitem_delete", args=[accidents.pk]), {"post": "yes"},
        follow=True,
    )  # fmt: skip
    assert not SchemeItem.objects.filter(pk=accidents.pk).exists()
    # The scheme page's own warning: the items no longer add up to 100.
    assert "各考核项目分值合计为 90 分" in response.content.decode()


def test_bad_points_and_thresholds_are_refused_in_chinese(login, world, empty_scheme):
    client = login(world.office)
    url = reverse("admin:assessment_schemeitem_add")
    response = client.post(url, item_form(empty_scheme, "按期报送", "-5"))
    assert response.status_code == 200
    assert "「分值」不能为负数：-5" in response.content.decode()
    response = client.post(
        url, item_form(empty_scheme, "网格化监管", "10", ("coverage", "5", None))
    )
    assert response.status_code == 200
    assert "「巡查覆盖率低于阈值」须填写阈值/目标" in response.content.decode()
    response = client.post(
        url, item_form(empty_scheme, "网格化监管", "10", ("coverage", "5", "120"))
    )
    assert "巡查覆盖率阈值不能超过 100%" in response.content.decode()
    response = client.post(
        reverse("admin:assessment_scheme_change", args=[empty_scheme.pk]),
        scheme_form(empty_scheme, good="99"),
    )
    assert "分数线应为：优秀 ≥ 良好 ≥ 合格" in response.content.decode()
    assert not SchemeItem.objects.exists()
    empty_scheme.refresh_from_db()
    assert empty_scheme.good == Decimal(90)

    # Saved, but not adding up to 100: the scheme page's warning, as a message.
    response = client.post(url, item_form(empty_scheme, "按期报送", "40"), follow=True)
    assert "各考核项目分值合计为 40 分，不是 100 分" in response.content.decode()


def test_the_office_starts_a_scheme_in_the_admin_one_per_year_and_kind(login, world, today):
    client = login(world.office)
    data = {
        "year": today.year, "kind": "department", "name": "部门考核方案",
        "excellent": "95", "good": "90", "passing": "80",
        **management("items", 1), "items-0-name": "重点任务完成", "items-0-points": "100",
        "items-0-sort_order": "1", **management("vetoes"),
    }  # fmt: skip
    assert client.post(reverse("admin:assessment_scheme_add"), data).status_code == 302
    scheme = Scheme.objects.get(year=today.year, kind="department")
    assert list(scheme.items.values_list("name", flat=True)) == ["重点任务完成"]
    response = client.post(reverse("admin:assessment_scheme_add"), {**data, "name": "另一个"})
    assert response.status_code == 200
    assert "该年度已有这类单位的考核方案" in response.content.decode()
    assert Scheme.objects.filter(year=today.year).count() == 1


# --- a closed scheme -------------------------------------------------------------------------


def test_a_closed_schemes_admin_pages_refuse_every_change(login, world, today):
    scheme = ensure_scheme(today.year, "township")
    services.scheme_close(user=world.office, scheme=scheme, today=today)
    before = frozen(scheme)
    assert before[2]  # the units' results are frozen
    item = scheme.items.get(name="重点任务完成")
    rule = item.rules.first()
    client = login(world.office)

    page = client.get(reverse("admin:assessment_scheme_change", args=[scheme.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    page = client.get(reverse("admin:assessment_schemeitem_change", args=[item.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()

    refused = [
        (
            reverse("admin:assessment_scheme_change", args=[scheme.pk]),
            scheme_form(scheme, name="改名", **management("vetoes", 1), **{"vetoes-0-kind": "deaths_over"}),
        ),
        (reverse("admin:assessment_scheme_delete", args=[scheme.pk]), {"post": "yes"}),
        (
            reverse("admin:assessment_schemeitem_change", args=[item.pk]),
            {
                **item_form(scheme, item.name, "0", ("red", "9", None)),
                **management("rules", 2, 1),
                "rules-0-id": rule.pk, "rules-0-item": item.pk, "rules-0-kind": rule.kind,
                "rules-0-points": "9", "rules-0-DELETE": "on",
            },
        ),
        (reverse("admin:assessment_schemeitem_delete", args=[item.pk]), {"post": "yes"}),
        (
            reverse("admin:assessment_schemeitem_changelist"),
            {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [item.pk]},
        ),
    ]  # fmt: skip
    for url, data in refused:
        assert client.post(url, data).status_code == 403, url

    # A new item cannot be added to it either: the scheme is not among the choices.
    response = client.post(
        reverse("admin:assessment_schemeitem_add"), item_form(scheme, "新增项目", "5")
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["scheme"]
    assert frozen(scheme) == before


def test_a_scheme_closed_during_a_save_refuses_it(login, world, today, monkeypatch):
    """The page was opened while the scheme was open; the save finds it closed (the row is
    locked and read again) and writes nothing."""
    from tracker.assessment import admin as assessment_admin

    scheme = ensure_scheme(today.year, "township")
    item = scheme.items.get(name="按期报送")
    services.scheme_close(user=world.office, scheme=scheme, today=today)
    before = frozen(scheme)
    monkeypatch.setattr(assessment_admin, "_is_open", lambda scheme: True)
    client = login(world.office)
    response = client.post(
        reverse("admin:assessment_schemeitem_change", args=[item.pk]),
        item_form(scheme, item.name, "60", ("red", "9", None)),
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:assessment_scheme_change", args=[scheme.pk]),
        scheme_form(
            scheme, name="改名", **management("vetoes", 1), **{"vetoes-0-kind": "deaths_over"}
        ),
    )
    assert response.status_code == 403
    assert frozen(scheme) == before


# --- 复制为下一年度方案 ---------------------------------------------------------------------------


def copy_action(client, scheme):
    return client.post(
        reverse("admin:assessment_scheme_changelist"),
        {"action": "copy_to_next_year", ACTION_CHECKBOX_NAME: [scheme.pk]},
        follow=True,
    )


def test_copying_a_closed_scheme_makes_next_years_open_scheme_once(login, world, today):
    scheme = ensure_scheme(today.year, "township")
    Veto.objects.create(scheme=scheme, kind="deaths_over")
    Rule.objects.filter(item__scheme=scheme, kind="coverage").update(threshold=70)
    Scheme.objects.filter(pk=scheme.pk).update(excellent=96)
    scheme.refresh_from_db()
    services.scheme_close(user=world.office, scheme=scheme, today=today)
    client = login(world.office)

    response = copy_action(client, scheme)
    copy = Scheme.objects.get(year=today.year + 1, kind="township")
    [done] = [str(m) for m in response.context["messages"]]
    assert done.startswith(f"已复制「{scheme.name}」为「") and copy.name in done
    assert copy.name == f"{today.year + 1}年度乡镇街道安全生产目标管理责任考核方案"
    assert not copy.closed and copy.closed_on is None
    assert shape(copy) == shape(scheme)
    assert not FrozenResult.objects.filter(scheme=copy).exists()
    page = client.get(reverse("admin:assessment_scheme_change", args=[copy.pk]))
    assert 'name="_save"' in page.content.decode()  # open for the office to edit

    response = copy_action(client, scheme)
    assert [str(m) for m in response.context["messages"]] == [
        f"{today.year + 1}年度已有乡镇街道考核方案「{copy.name}」，不能再复制。"
    ]
    assert Scheme.objects.filter(year=today.year + 1).count() == 1
    assert SchemeItem.objects.filter(scheme=copy).count() == scheme.items.count()


def test_only_the_office_copies_a_scheme(world, today):
    scheme = ensure_scheme(today.year, "department")
    for user in (world.leader, world.staff_a):
        with pytest.raises(PermissionDenied):
            services.scheme_copy_next_year(user=user, scheme=scheme)
    copy = services.scheme_copy_next_year(user=world.office, scheme=scheme)
    assert (copy.year, copy.kind) == (today.year + 1, "department")
    with pytest.raises(services.AssessmentError, match="已有部门考核方案"):
        services.scheme_copy_next_year(user=world.office, scheme=scheme)


# --- who gets in -----------------------------------------------------------------------------


def test_a_townships_staff_and_a_leader_cannot_reach_the_assessment_admin(login, world, today):
    scheme = ensure_scheme(today.year, "township")
    item = scheme.items.first()
    urls = [
        reverse("admin:assessment_scheme_changelist"),
        reverse("admin:assessment_scheme_change", args=[scheme.pk]),
        reverse("admin:assessment_schemeitem_add"),
        reverse("admin:assessment_schemeitem_change", args=[item.pk]),
        reverse("admin:assessment_adjustment_changelist"),
        reverse("admin:assessment_frozenresult_changelist"),
    ]
    for user in (world.staff_a, world.leader):
        client = login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/login/" in response.url, (user, url)
        client.post(reverse("admin:assessment_schemeitem_add"), item_form(scheme, "新增项目", "5"))
        copy_action(client, scheme)
    assert not SchemeItem.objects.filter(name="新增项目").exists()
    assert not Scheme.objects.filter(year=today.year + 1).exists()


# --- append-only rows ------------------------------------------------------------------------


def test_adjustments_overrides_appeals_and_frozen_results_are_only_viewed(
    login, world, today, root
):
    world.a_item.due_date = today - timedelta(days=1)
    world.a_item.save()
    scheme = ensure_scheme(today.year, "township")
    item = scheme.items.get(name="重点任务完成")
    rule = item.rules.get(kind="overdue")
    services.adjustment_add(
        user=world.office, unit=world.town_a, item=item, points="1", reason="推广"
    )
    services.line_override(
        user=world.office, unit=world.town_a, rule=rule, new_value="0", reason="顺延",
        as_of=today, today=today,
    )  # fmt: skip
    services.appeal_file(user=world.staff_a, unit=world.town_a, rule=rule, reason="已同意延期")
    services.scheme_close(user=world.office, scheme=scheme, today=today)
    rows = {
        "adjustment": (Adjustment.objects.get(), {"points": "9", "reason": "改写"}),
        "lineoverride": (LineOverride.objects.get(), {"new_value": "9", "reason": "改写"}),
        "appeal": (Appeal.objects.get(), {"state": "accepted", "reason": "改写"}),
        "frozenresult": (
            FrozenResult.objects.get(unit=world.town_a),
            {"score": "1", "grade": "优秀"},
        ),
    }
    before = {
        name: type(row).objects.filter(pk=row.pk).values().get() for name, (row, _) in rows.items()
    }
    for user in (world.office, root):
        client = login(user)
        for name, (row, change) in rows.items():
            listed = client.get(reverse(f"admin:assessment_{name}_changelist"))
            assert listed.status_code == 200 and listed.context["cl"].result_count >= 1, name
            page = client.get(reverse(f"admin:assessment_{name}_change", args=[row.pk]))
            assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
            assert client.get(reverse(f"admin:assessment_{name}_add")).status_code == 403
            change_url = reverse(f"admin:assessment_{name}_change", args=[row.pk])
            assert client.post(change_url, change).status_code == 403, name
            delete_url = reverse(f"admin:assessment_{name}_delete", args=[row.pk])
            assert client.post(delete_url, {"post": "yes"}).status_code == 403, name
    after = {
        name: type(row).objects.filter(pk=row.pk).values().get() for name, (row, _) in rows.items()
    }
    assert after == before


def test_the_scheme_page_leads_the_office_to_the_admin_where_items_rules_and_vetoes_are_added(
    client, login, world, empty_scheme
):
    login(world.office)
    page = client.get(reverse("assessment:scheme", args=[empty_scheme.pk])).content.decode()
    change = reverse("admin:assessment_scheme_change", args=[empty_scheme.pk])
    assert f'id="scheme-admin" href="{change}"' in page
    assert "增删考核项目、扣分规则和一票否决" in page
    assert client.get(change).status_code == 200
