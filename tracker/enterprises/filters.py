"""The register's filters: township, industry, risk, 标准化 level, 未巡查 and the drill-downs the
figures link to (a grid, inspected in a quarter, reached 已达标 in a year)."""

from datetime import date

import django_filters
from django import forms
from django.db.models import Q

from tracker.enterprises import periods, permissions
from tracker.enterprises.grids import Tree
from tracker.enterprises.models import Enterprise, Industry, Standardization
from tracker.enterprises.queries import inspected_in, standardized_in
from tracker.models import Unit


def period_choices(today: date, chosen: str | None = None) -> list[tuple[str, str]]:
    """This quarter and the three before it, this month and the two before it; a period named
    in the query string (a link from a figure) is offered too."""
    offered = [*periods.recent(today, "quarter", 4), *periods.recent(today, "month", 3)]
    picked = periods.parse(chosen)
    if picked and picked not in offered:
        offered.append(picked)
    return [(p.key, p.label) for p in offered]


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="名称或信用代码", method="filter_q", widget=forms.TextInput(attrs={"type": "search"})
    )
    township = django_filters.ChoiceFilter(label="乡镇（街道）", empty_label="全部乡镇")
    industry = django_filters.ModelChoiceFilter(
        label="行业类别", queryset=Industry.objects.all(), empty_label="全部行业"
    )
    supervisor = django_filters.ChoiceFilter(label="行业监管部门", empty_label="全部部门")
    risk = django_filters.ChoiceFilter(
        label="风险等级", choices=Enterprise.Risk.choices, empty_label="全部等级"
    )
    level = django_filters.ChoiceFilter(
        label="标准化等级",
        field_name="standard_level",
        choices=Enterprise.Level.choices,
        empty_label="全部",
    )
    state = django_filters.ChoiceFilter(
        label="状态", choices=Enterprise.State.choices, empty_label="全部状态"
    )
    uninspected = django_filters.ChoiceFilter(
        label="未巡查", method="filter_uninspected", empty_label="不限"
    )
    # Drill-downs from figures: in the query string, not among the visible fields.
    inspected = django_filters.CharFilter(method="filter_inspected", widget=forms.HiddenInput)
    grid = django_filters.NumberFilter(method="filter_grid", widget=forms.HiddenInput)
    no_grid = django_filters.BooleanFilter(
        method="filter_no_grid", widget=forms.HiddenInput, label="未划入网格"
    )
    std_year = django_filters.NumberFilter(method="filter_std_year", widget=forms.HiddenInput)
    std_level = django_filters.CharFilter(method="filter_noop", widget=forms.HiddenInput)
    open = django_filters.CharFilter(method="filter_open", widget=forms.HiddenInput)

    class Meta:
        model = Enterprise
        fields = []

    def __init__(self, data=None, *args, user, today: date, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user, self.today = user, today
        chosen = (data or {}).get("uninspected")
        self.filters["uninspected"].extra["choices"] = period_choices(today, chosen)
        townships = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).order_by("sort_order", "name")
        self.filters["township"].extra["choices"] = list(townships.values_list("pk", "name"))
        departments = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).order_by("sort_order", "name")
        self.filters["supervisor"].extra["choices"] = list(departments.values_list("pk", "name"))
        if not user.sees_all_units:
            # One township, or one department's enterprises: those choices would be noise.
            if not permissions.is_department_staff(user):
                del self.filters["township"]
            del self.filters["supervisor"]

    def filter_q(self, queryset, name, value):
        text = value.strip()[:50]
        if not text:
            return queryset
        return queryset.filter(Q(name__contains=text) | Q(credit_code__startswith=text.upper()))

    def filter_uninspected(self, queryset, name, value):
        period = periods.parse(value)
        if period is None:
            return queryset
        return queryset.filter(state__in=Enterprise.OPEN_STATES).exclude(
            inspected_in(period.start, period.end)
        )

    def filter_inspected(self, queryset, name, value):
        period = periods.parse(value)
        if period is None:
            return queryset
        return queryset.filter(state__in=Enterprise.OPEN_STATES).filter(
            inspected_in(period.start, period.end)
        )

    def filter_grid(self, queryset, name, value):
        """A grid and the grids below it (a 村's line on the grid page lists all of its)."""
        township = Tree.of(Unit.objects.filter(grids__pk=value).values_list("pk", flat=True)[:1])
        return queryset.filter(grid_id__in=township.descendants([int(value)]))

    def filter_no_grid(self, queryset, name, value):
        if value:
            return queryset.filter(grid__isnull=True, state__in=Enterprise.OPEN_STATES)
        return queryset

    def filter_std_year(self, queryset, name, value):
        year = int(value)
        if not 1900 < year < 2200:
            return queryset.none()
        level = (self.data or {}).get("std_level")
        return queryset.filter(
            standardized_in(year, level if level in Standardization.Level.values else None)
        )

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_std_year

    def filter_open(self, queryset, name, value):
        if value == "1":
            return queryset.exclude(state=Enterprise.State.CLOSED)
        return queryset
