"""The 隐患 dashboard's figures, a fixed number of queries whatever the register's size; every
figure carries the register URL that lists exactly its rows."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from tracker.hazards import summary as summaries
from tracker.hazards.filters import overdue_q
from tracker.hazards.models import Hazard
from tracker.hazards.selectors import hazards_for_user
from tracker.models import Unit, User

WEEKS = 12
MAJOR_LIST = 50


def _url(**params) -> str:
    return f"{reverse('hazards:hazard_list')}?{urlencode(params)}"


@dataclass
class Week:
    start: date
    end: date
    found: int
    closed: int
    found_url: str
    closed_url: str


def dashboard(user: User, *, today: date) -> dict:
    live = hazards_for_user(user).filter(voided=False)
    # Grouped in the order of the hazard_state_open index (state, voided, township, level), so
    # the counts come from the index alone; the states are added up here.
    open_rows = (
        live.filter(state__in=Hazard.OPEN_STATES)
        .order_by()
        .values_list("state", "voided", "township_id", "level")
        .annotate(n=Count("pk"))
    )
    names = dict(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).values_list("pk", "name"))
    by_town: dict[int, dict] = {}
    for _state, _voided, town, level, n in open_rows:
        row = by_town.setdefault(town, {"name": names.get(town, ""), "general": 0, "major": 0})
        row[level] += n
    open_lines = []
    for town, row in sorted(by_town.items(), key=lambda kv: -(kv[1]["general"] + kv[1]["major"])):
        open_lines.append({
            **row, "total": row["general"] + row["major"],
            "url": _url(township=town, open=1),
            "general_url": _url(township=town, open=1, level="general"),
            "major_url": _url(township=town, open=1, level="major"),
        })  # fmt: skip
    start = date(today.year, 1, 1)
    figures = summaries.summaries(user, start=start, end=today, today=today, enterprises=False)
    (towns, town_total), (industries, _) = figures["township"], figures["industry"]
    overdue = live.filter(overdue_q(today)).count()
    majors = list(
        live.filter(level="major")
        # Open, or still 挂牌 (closed but not yet 摘牌).
        .filter(Q(state__in=Hazard.OPEN_STATES) | ~Q(listing="") & Q(delisted_on__isnull=True))
        .select_related("enterprise", "township")
        .order_by("found_on", "pk")[:MAJOR_LIST]
    )  # fmt: skip
    for h in majors:
        h.days_open = ((h.accepted_on or today) - h.found_on).days
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    found = dict(
        live.filter(found_on__gte=first, found_on__lte=today)
        .order_by().values_list("found_on").annotate(n=Count("pk"))
    )  # fmt: skip
    closed = dict(
        live.filter(state="closed", accepted_on__gte=first, accepted_on__lte=today)
        .order_by().values_list("accepted_on").annotate(n=Count("pk"))
    )  # fmt: skip
    weeks = []
    for i in range(WEEKS):
        a = first + timedelta(weeks=i)
        b = a + timedelta(days=6)
        days = [a + timedelta(days=d) for d in range(7)]
        weeks.append(Week(
            a, b, sum(found.get(d, 0) for d in days), sum(closed.get(d, 0) for d in days),
            _url(found_from=a.isoformat(), found_to=b.isoformat()),
            _url(state="closed", closed_from=a.isoformat(), closed_to=b.isoformat()),
        ))  # fmt: skip
    return {
        "open_lines": open_lines,
        "towns": towns,
        "town_total": town_total,
        "industries": [line for line in industries if line.found],
        "overdue": overdue,
        "overdue_url": _url(overdue=1),
        "majors": majors,
        "weeks": weeks,
        "week_max": max([w.found for w in weeks] + [w.closed for w in weeks] + [1]),
        "year_start": start,
    }
