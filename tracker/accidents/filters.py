"""The register's filters. The 控制指标 page, the dashboard tile and the assessment link here
with ``?unit=<id>&year=<y>``, so a figure and the list behind it are one query
(selectors.accidents_for_unit)."""

from datetime import date

import django_filters
from django import forms
from django.db.models import Q

from tracker.accidents.models import Accident
from tracker.enterprises.models import Industry
from tracker.models import Unit

YES = [("1", "是")]


class AccidentFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(
        label="年度", method="filter_year", widget=forms.NumberInput(attrs={"min": 2000})
    )
    township = django_filters.ModelChoiceFilter(
        label="属地", queryset=Unit.objects.filter(kind=Unit.Kind.TOWNSHIP)
    )
    level = django_filters.ChoiceFilter(label="事故等级", choices=Accident.Level.choices)
    industry = django_filters.ModelChoiceFilter(label="行业", queryset=Industry.objects.all())
    state = django_filters.ChoiceFilter(label="调查处理", choices=Accident.State.choices)
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    # A unit's accidents of the year so far: what its 控制指标 figures count.
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), method="filter_unit", widget=forms.HiddenInput
    )
    # With ``unit``: counted up to this day instead of today (an assessment made as of a day).
    until = django_filters.DateFilter(method="filter_until", widget=forms.HiddenInput)
    voided = django_filters.ChoiceFilter(label="含已作废", choices=YES, method="filter_voided")

    class Meta:
        model = Accident
        fields: list[str] = []

    def __init__(self, *args, user=None, today: date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        if user is not None and not user.sees_all_units:
            self.filters.pop("township")
            self.form.fields.pop("township", None)

    def filter_year(self, qs, name, value):
        if value is None:
            return qs
        year = int(value)
        if not 2000 <= year <= 2100:
            return qs.none()
        return qs.filter(occurred_on__year=year)

    def filter_unit(self, qs, name, unit):
        if unit is None:
            return qs
        from tracker.accidents.selectors import accidents_for_unit

        year = self.form.cleaned_data.get("year") or self.today.year
        year = min(max(int(year), 2000), 2100)
        until = min(self.form.cleaned_data.get("until") or self.today, self.today)
        return qs.filter(pk__in=accidents_for_unit(unit, year=year, until=until).values("pk"))

    def filter_until(self, qs, name, value):
        # Read by filter_unit; alone it filters nothing.
        return qs

    def filter_q(self, qs, name, value):
        value = value.strip()[:50]
        if not value:
            return qs
        return qs.filter(
            Q(description__icontains=value)
            | Q(place__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def filter_voided(self, qs, name, value):
        # The selector leaves voided rows out unless this is set.
        return qs
