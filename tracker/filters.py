"""Filters of the task list. Applied inside the selectors, on an already scoped queryset."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from checklist.models import Theme
from tracker.models import Assignment, Unit
from tracker.progress import LIGHT_LABELS, progress

DUE_WINDOWS = [
    ("overdue", "已逾期"),
    ("7", "7天内到期"),
    ("30", "30天内到期"),
    ("long", "长期任务"),
]


def lights_of(queryset, today):
    """The traffic light of each assignment in the queryset, by primary key."""
    rows = queryset.values_list("pk", "status", "percent", "due_date", "item__start_date")
    return {
        pk: progress(status=status, percent=percent, start=start, due=due, today=today).light
        for pk, status, percent, due, start in rows
    }


class AssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="搜索")
    status = django_filters.ChoiceFilter(
        choices=Assignment.Status.choices, label="状态", empty_label="全部状态"
    )
    theme = django_filters.ModelChoiceFilter(
        field_name="item__theme", queryset=Theme.objects.all(), label="领域", empty_label="全部领域"
    )
    role = django_filters.ChoiceFilter(
        choices=Assignment.Role.choices, label="角色", empty_label="全部角色"
    )
    light = django_filters.ChoiceFilter(
        choices=list(LIGHT_LABELS.items()),
        method="filter_light",
        label="红黄绿灯",
        empty_label="全部",
    )
    due = django_filters.ChoiceFilter(
        choices=DUE_WINDOWS, method="filter_due", label="完成时限", empty_label="不限"
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), label="单位", empty_label="全部单位"
    )
    item_state = django_filters.ChoiceFilter(
        field_name="item__state",
        choices=[("published", "已发布"), ("draft", "草稿")],
        label="任务状态",
        empty_label="全部",
    )

    class Meta:
        model = Assignment
        fields = ["q", "status", "theme", "role", "light", "due", "unit", "item_state"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        if not user.sees_all_units:
            # Staff see one unit and published items only: those filters would be noise.
            del self.filters["unit"]
            del self.filters["item_state"]
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["onchange"] = "this.form.requestSubmit()"

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(item__code__icontains=value)
            | Q(item__title__icontains=value)
            | Q(unit__name__icontains=value)
        )

    def filter_light(self, queryset, name, value):
        lights = lights_of(queryset, self.today)
        return queryset.filter(pk__in=[pk for pk, light in lights.items() if light == value])

    def filter_due(self, queryset, name, value):
        today = self.today
        if value == "overdue":
            return queryset.overdue(today)
        if value == "long":
            return queryset.filter(due_date__isnull=True)
        days = int(value)
        return queryset.open().filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=days)
        )
