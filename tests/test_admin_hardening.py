"""The admin is safe to use: adding an item together with its units works, and only a superuser
hands out superuser or staff status, groups or permissions."""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from checklist.models import ChecklistItem
from tracker.models import Assignment

ADD_ITEM = "admin:checklist_checklistitem_add"


def item_form(world, code, rows):
    """The 任务 add form with `rows` (unit, role) in its 责任分解 inline."""
    data = {
        "code": code,
        "year": world.year,
        "title": "新增的任务",
        "detail": "",
        "theme": world.theme.pk,
        "directive": "",
        "start_date": world.today.isoformat(),
        "deadline": (world.today + timedelta(weeks=4)).isoformat(),
        "cadence": "none",
        "cadence_day": "",
        "target_quantity": "",
        "target_unit": "",
        "state": "draft",
        "assignments-TOTAL_FORMS": str(len(rows)),
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for i, (unit, role) in enumerate(rows):
        data[f"assignments-{i}-unit"] = unit.pk
        data[f"assignments-{i}-role"] = role
        data[f"assignments-{i}-due_date"] = ""
    return data


def test_adding_an_item_with_a_lead_unit_in_the_inline_works(login, world):
    client = login(world.office)
    code = f"{world.year}-201"
    rows = [(world.dept, "lead"), (world.town_a, "responsible")]
    response = client.post(reverse(ADD_ITEM), item_form(world, code, rows))
    assert response.status_code == 302
    item = ChecklistItem.objects.get(code=code)
    assert set(item.assignments.values_list("unit__name", "role")) == {
        ("县应急管理局", "lead"),
        ("城关镇", "responsible"),
    }
    lead = item.assignments.get(role="lead")
    assert lead.history.get().author == world.office


def test_a_new_item_with_two_lead_units_in_the_inline_is_refused(login, world):
    client = login(world.office)
    code = f"{world.year}-202"
    rows = [(world.dept, "lead"), (world.town_a, "lead")]
    response = client.post(reverse(ADD_ITEM), item_form(world, code, rows))
    assert response.status_code == 200
    assert "每项任务只能有一个牵头单位" in response.content.decode()
    assert not ChecklistItem.objects.filter(code=code).exists()


def test_a_second_lead_added_to_an_existing_item_in_the_inline_is_still_refused(login, world):
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_change", args=[world.item.pk])
    data = item_form(world, world.item.code, [(world.office_unit, "lead")])
    data.update(
        {
            "title": world.item.title,
            "directive": world.directive.pk,
            "start_date": world.item.start_date.isoformat(),
            "deadline": world.item.deadline.isoformat(),
            "state": "published",
        }
    )
    # The existing rows are shown too; post them back unchanged after the new one.
    existing = list(world.item.assignments.order_by("role", "unit__kind", "unit__sort_order"))
    data["assignments-TOTAL_FORMS"] = str(1 + len(existing))
    data["assignments-INITIAL_FORMS"] = str(len(existing))
    data = {k: v for k, v in data.items() if not k.startswith("assignments-0-")}
    for i, a in enumerate(existing):
        data[f"assignments-{i}-id"] = a.pk
        data[f"assignments-{i}-item"] = world.item.pk
        data[f"assignments-{i}-unit"] = a.unit_id
        data[f"assignments-{i}-role"] = a.role
        data[f"assignments-{i}-due_date"] = a.due_date.isoformat()
    n = len(existing)
    data[f"assignments-{n}-unit"] = world.office_unit.pk
    data[f"assignments-{n}-role"] = "lead"
    data[f"assignments-{n}-due_date"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    assert "该任务已由「县应急管理局」牵头" in response.content.decode()
    assert not Assignment.objects.filter(item=world.item, unit=world.office_unit).exists()


# --- who may hand out admin powers -----------------------------------------------------------

GRANTS = ["is_superuser", "is_staff", "groups", "user_permissions"]


def user_form(user, **changes):
    """The user change form as posted back unchanged, with `changes` on top."""
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "unit": user.unit_id or "",
        "role": user.role,
        "email": user.email,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return data


def crafted_grants():
    """What someone adds to the POST by hand to make an account all-powerful."""
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [Group.objects.get_or_create(name="管理员")[0].pk],
        "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
    }


def powers(user):
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        set(user.groups.values_list("name", flat=True)),
        user.user_permissions.count(),
    )


def change_url(user):
    return reverse("admin:tracker_user_change", args=[user.pk])


def test_an_office_admin_sees_the_grant_fields_read_only(login, world):
    page = login(world.office).get(change_url(world.staff_a)).content.decode()
    for field in GRANTS:
        assert f'name="{field}"' not in page, field
    assert 'name="display_name"' in page


def test_an_office_admin_cannot_make_another_account_a_superuser_with_a_crafted_post(login, world):
    before = powers(world.staff_a)
    data = user_form(world.staff_a, display_name="城关镇王干事（改）", **crafted_grants())
    response = login(world.office).post(change_url(world.staff_a), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert powers(world.staff_a) == before
    assert world.staff_a.display_name == "城关镇王干事（改）"  # the rest of the form is saved


def test_an_office_admin_cannot_grant_itself_superuser(login, world):
    before = powers(world.office)
    login(world.office).post(change_url(world.office), user_form(world.office, **crafted_grants()))
    assert powers(world.office) == before
    assert not world.office.is_superuser


def test_an_office_admin_cannot_change_a_superusers_account_or_password(
    login, world, django_user_model
):
    root = django_user_model.objects.create_superuser("root", password="x")
    client = login(world.office)
    response = client.post(change_url(root), user_form(root, is_superuser="", is_active=""))
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    response = client.post(password_url, {"password1": "Taken-over-1", "password2": "Taken-over-1"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_superuser and root.is_active and root.check_password("x")


def test_a_superuser_grants_staff_status_and_groups(login, world, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    page = login(root).get(change_url(world.staff_a)).content.decode()
    assert 'name="is_superuser"' in page and 'name="groups"' in page
    office = Group.objects.get(name="安委办")
    data = user_form(world.staff_a, is_staff="on", groups=[office.pk])
    response = login(root).post(change_url(world.staff_a), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert powers(world.staff_a) == (False, True, {"安委办"}, 0)


def test_an_office_admin_still_adds_a_township_account(login, world, django_user_model):
    data = {
        "username": "staff_a2",
        "password1": "Another-pass-2846",
        "password2": "Another-pass-2846",
        "usable_password": "true",
        "display_name": "城关镇李干事",
        "unit": world.town_a.pk,
        "role": "staff",
        "is_superuser": "on",
        "is_staff": "on",
    }
    response = login(world.office).post(reverse("admin:tracker_user_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = django_user_model.objects.get(username="staff_a2")
    assert (added.unit, added.is_superuser, added.is_staff) == (world.town_a, False, False)
