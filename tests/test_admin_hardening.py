"""The admin is safe to use: adding an item together with its units works."""

from datetime import timedelta

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
