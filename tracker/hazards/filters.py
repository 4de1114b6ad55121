"""The register's filters. The dashboard's and the summary's figures link here with the same
parameters, so a number and the list behind it are one query."""

import re

import django_filters
from django import forms
from django.db.models import Q

from tracker.enterprises.models import Enterprise, Industry
from tracker.hazards.models import Hazard
from tracker.hazards.text_index import matching_ids, text_q
from tracker.models import Unit

YES = [("1", "是")]


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="关键词",
        method="filter_q",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "隐患描述、位置、企业名称或隐患编号"}
        ),
    )
    township = django_filters.ModelChoiceFilter(
        label="属地", queryset=Unit.objects.filter(kind=Unit.Kind.TOWNSHIP)
    )
    industry = django_filters.ModelChoiceFilter(label="行业", queryset=Industry.objects.all())
    level = django_filters.ChoiceFilter(label="等级", choices=Hazard.Level.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=Hazard.State.choices)
    source = django_filters.ChoiceFilter(label="发现方式", choices=Hazard.Source.choices)
    open = django_filters.ChoiceFilter(label="未销号", choices=YES, method="filter_open")
    overdue = django_filters.ChoiceFilter(label="逾期未整改", choices=YES, method="filter_overdue")
    listed = django_filters.ChoiceFilter(label="挂牌督办中", choices=YES, method="filter_listed")
    listed_any = django_filters.ChoiceFilter(
        label="曾挂牌", choices=YES, method="filter_listed_any", widget=forms.HiddenInput
    )
    found_from = django_filters.DateFilter(
        label="发现日期自", field_name="found_on", lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    found_to = django_filters.DateFilter(
        label="至", field_name="found_on", lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    closed_from = django_filters.DateFilter(
        label="销号日期自", field_name="accepted_on", lookup_expr="gte",
        widget=forms.HiddenInput,
    )  # fmt: skip
    closed_to = django_filters.DateFilter(
        label="销号日期至", field_name="accepted_on", lookup_expr="lte", widget=forms.HiddenInput
    )
    task = django_filters.NumberFilter(field_name="task_id", widget=forms.HiddenInput)
    # A department's share of an 排查 task: the hazards of the industries it supervises.
    supervisor = django_filters.NumberFilter(field_name="supervisor_id", widget=forms.HiddenInput)
    voided = django_filters.ChoiceFilter(label="含已作废", choices=YES, method="filter_voided")

    class Meta:
        model = Hazard
        fields: list[str] = []

    def __init__(self, *args, user=None, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_all_units:
            # One's own township is not a choice to make.
            self.filters.pop("township")
            self.form.fields.pop("township", None)

    def filter_q(self, qs, name, value):
        value = (value or "").strip()[:50]
        if not value:
            return qs
        return keyword_filter(qs, value)

    def filter_open(self, qs, name, value):
        return qs.filter(state__in=Hazard.OPEN_STATES) if value else qs

    def filter_overdue(self, qs, name, value):
        return qs.filter(overdue_q(self.today)) if value else qs

    def filter_listed(self, qs, name, value):
        return qs.exclude(listing="").filter(delisted_on__isnull=True) if value else qs

    def filter_listed_any(self, qs, name, value):
        return qs.exclude(listing="") if value else qs

    def filter_voided(self, qs, name, value):
        # The selector leaves voided rows out unless this is set; nothing more to do here.
        return qs


def overdue_q(today) -> Q:
    """逾期未整改: a 整改时限 passed and not yet 待验收 or 销号 (挂账 is not overdue)."""
    return Q(state__in=[Hazard.State.PENDING, Hazard.State.FIXING], deadline__lt=today)


NUMBER = re.compile(r"^YH(\d{4})(\d{6,})$")


def keyword_filter(qs, value: str):
    """关键词: a 隐患编号 is looked up by its own column (or, for a number made from the year and
    the row's id, by that id), never by reading the register. Other words are looked for in the
    description and the place (through the text index: see text_index) and in the
    enterprise's name (picked from its own, small, table first); the page then sorts only the
    matches (no join per row)."""
    by_code = Q(code=value) & ~Q(code="")
    number = NUMBER.match(value)
    if number:
        year, pk = int(number[1]), int(number[2])
        return qs.filter(by_code | Q(pk=pk, code="", found_on__year=year))
    named = Enterprise.objects.filter(name__icontains=value).values("pk")
    indexed = matching_ids(Hazard, value, qs.db)
    if indexed is not None:
        # SQLite: one index per arm, joined; an OR inside one query would read every row.
        rows = Hazard._default_manager.using(qs.db).order_by()
        by_enterprise = rows.filter(enterprise__in=named).values("pk")
        return qs.filter(pk__in=indexed.union(by_enterprise, rows.filter(by_code).values("pk")))
    # PostgreSQL: one condition whose every arm has an index (pg_trgm's for the text, the
    # enterprise's, the code's), which the planner ORs as bitmaps where matches are few and
    # reads in date order where they are many. The enterprises are listed first so their arm
    # is an index too (as a subquery it would be tried on every row).
    named_ids = list(named.values_list("pk", flat=True))
    return qs.filter(text_q(value) | Q(enterprise__in=named_ids) | by_code)
