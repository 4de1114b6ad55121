"""The office works in the admin; history stays read-only there whoever is logged in."""

from datetime import timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from checklist.models import ChecklistItem
from tracker.models import Assignment, StatusUpdate, Unit


def test_the_office_opens_every_admin_list_and_sees_its_rows(login, world):
    from checklist.models import Directive, Source, Theme
    from tracker.models import Evidence, UnitAlias, User

    UnitAlias.objects.create(unit=world.dept, alias="安监局")
    client = login(world.office)
    for name, model in [
        ("checklist_theme", Theme),
        ("checklist_source", Source),
        ("checklist_directive", Directive),
        ("checklist_checklistitem", ChecklistItem),
        ("tracker_unit", Unit),
        ("tracker_unitalias", UnitAlias),
        ("tracker_user", User),
        ("tracker_assignment", Assignment),
        ("tracker_statusupdate", StatusUpdate),
        ("tracker_evidence", Evidence),
    ]:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        listed = response.context["cl"].result_count
        assert listed == model.objects.count(), (name, listed)


def test_staff_and_leaders_cannot_enter_the_admin(login, world):
    for user in (world.staff_a, world.leader):
        response = login(user).get(reverse("admin:tracker_assignment_changelist"))
        assert response.status_code == 302


def test_items_are_found_by_code_and_title(login, world):
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_changelist")
    assert list(client.get(url, {"q": world.item_target.code}).context["cl"].result_list) == [
        world.item_target
    ]
    assert list(client.get(url, {"q": "拉网式"}).context["cl"].result_list) == [world.item]


def test_assignments_filter_by_status_role_unit_theme_and_overdue(login, world):
    client = login(world.office)
    url = reverse("admin:tracker_assignment_changelist")

    def results(**params):
        return set(client.get(url, params).context["cl"].result_list)

    assert results(role__exact="lead") == {world.lead}
    assert results(unit__id__exact=world.town_b.pk) == {world.b_item}
    assert results(item__theme__id__exact=world.theme_std.pk) == {world.a_target}
    assert results(status__exact="not_started") == set(Assignment.objects.all())
    Assignment.objects.filter(pk=world.b_item.pk).update(due_date=world.item.start_date)
    assert results(overdue="yes") == {world.b_item}


def test_history_cannot_be_added_changed_or_deleted_in_the_admin(login, world):
    client = login(world.office)
    update = world.a_item.history.get()
    assert client.get(reverse("admin:tracker_statusupdate_add")).status_code == 403
    assert (
        client.get(reverse("admin:tracker_statusupdate_delete", args=[update.pk])).status_code
        == 403
    )
    change_url = reverse("admin:tracker_statusupdate_change", args=[update.pk])
    assert client.get(change_url).status_code == 200  # viewable
    client.post(change_url, {"note": "改写"})
    update.refresh_from_db()
    assert update.note != "改写"


def test_even_a_superuser_cannot_change_history_in_the_admin(login, world, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    update = world.a_item.history.get()
    client = login(root)
    assert (
        client.get(reverse("admin:tracker_statusupdate_delete", args=[update.pk])).status_code
        == 403
    )


def test_publishing_items_in_bulk(login, world):
    client = login(world.office)
    response = client.post(
        reverse("admin:checklist_checklistitem_changelist"),
        {"action": "publish", ACTION_CHECKBOX_NAME: [world.draft.pk, world.item.pk]},
        follow=True,
    )
    assert "已发布 1 项任务" in response.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.state == ChecklistItem.State.PUBLISHED and world.draft.published_at


def test_assigning_an_item_to_all_townships_in_one_step(login, world):
    Unit.objects.create(name="经济开发区", kind="township", sort_order=40)
    client = login(world.office)
    client.post(
        reverse("admin:checklist_checklistitem_changelist"),
        {"action": "assign_all_townships", ACTION_CHECKBOX_NAME: [world.item_target.pk]},
    )
    units = set(world.item_target.assignments.values_list("unit__name", flat=True))
    assert units == {"城关镇", "河西镇", "经济开发区"}
    new = world.item_target.assignments.get(unit__name="经济开发区")
    assert new.history.get().kind == StatusUpdate.Kind.ASSIGN
    assert new.history.get().author == world.office


def test_changing_a_due_date_in_the_admin_leaves_a_history_row(login, world):
    client = login(world.office)
    url = reverse("admin:tracker_assignment_change", args=[world.a_item.pk])
    later = world.item.deadline + timedelta(days=15)
    response = client.post(url, {"role": "responsible", "due_date": later.isoformat()})
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == later
    edit = world.a_item.history.get(kind="edit")
    assert edit.author == world.office and edit.from_due_date == world.item.deadline


def test_a_second_lead_unit_is_refused_in_the_admin_form(login, world):
    client = login(world.office)
    url = reverse("admin:tracker_assignment_change", args=[world.a_item.pk])
    response = client.post(url, {"role": "lead", "due_date": world.item.deadline.isoformat()})
    assert response.status_code == 200
    assert "每项任务只能有一个牵头单位" in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.role == "responsible"


def test_assignments_are_never_deleted_in_the_admin(login, world):
    client = login(world.office)
    url = reverse("admin:tracker_assignment_delete", args=[world.a_item.pk])
    assert client.get(url).status_code == 403


def test_a_closed_years_item_is_read_only_in_the_admin(login, world, today):
    from tracker.year_close import year_close

    year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_change", args=[world.item.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    refused = client.post(url, {"code": world.item.code, "title": "改过的标题"})
    assert refused.status_code == 403
    assert ChecklistItem.objects.get(pk=world.item.pk).title == world.item.title


def test_every_list_the_admin_offers_the_office_opens(login, world, registers):
    client = login(world.office)
    offered = [
        model["admin_url"]
        for app in client.get(reverse("admin:index")).context["app_list"]
        for model in app["models"]
        if model.get("admin_url")
    ]
    assert reverse("admin:assessment_scheme_changelist") in offered
    assert reverse("admin:enterprises_enterprise_changelist") in offered
    for url in offered:
        assert client.get(url).status_code == 200, url
