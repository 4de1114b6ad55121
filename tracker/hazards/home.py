"""逾期未整改 hazards on the home pages: a township's or a department's home and the office's
and leaders' dashboard (through tracker.extensions, so the core never imports this wing), and
the 网格员's own home in the registers. Two queries whatever the register's size."""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from tracker.extensions import Panel
from tracker.hazards.filters import overdue_q
from tracker.hazards.reminders import overdue_for_user
from tracker.hazards.selectors import hazards_for_user
from tracker.models import User

SHOWN = 10
TEMPLATE = "hazards/_overdue_panel.html"


def overdue_panel(*, user: User, today: date) -> dict | None:
    """The oldest overdue hazards the user sees and how many there are; None when there are
    none (nothing to show)."""
    if not user.is_authenticated:
        return None
    hazards = list(overdue_for_user(user, today=today, limit=SHOWN))
    if not hazards:
        return None
    total = hazards_for_user(user).filter(overdue_q(today), voided=False).count()
    for hazard in hazards:
        hazard.days_over = (today - hazard.deadline).days
    return {
        "hazards": hazards,
        "total": total,
        "county": user.sees_all_units,
        "url": f"{reverse('hazards:hazard_list')}?{urlencode({'overdue': 1})}",
    }


def register(extensions) -> None:
    panel = Panel(name="hazards_overdue", template=TEMPLATE, build=overdue_panel, order=50)
    extensions.register_home_panel(panel)
    extensions.register_dashboard_tile(panel)
