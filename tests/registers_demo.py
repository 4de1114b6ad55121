"""The demo registers for the modules that read them: loaded once per module through the
`committed` fixture (emptied after the module; each test's own writes are rolled back)."""

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from tracker.enterprises import demo
from tracker.models import Unit, User

COUNTY = ZoneInfo("Asia/Shanghai")
UNITS = Path(__file__).resolve().parent.parent / "fixtures" / "units.json"


def load_registers_demo():
    """The units, the office and the registers, on the day and at the hour every test runs
    on. Returns the day and what the load said it wrote."""
    today = datetime.now(COUNTY).date()
    with time_machine.travel(datetime.combine(today, time(10), tzinfo=COUNTY), tick=True):
        call_command("loaddata", str(UNITS), verbosity=0)
        User.objects.create_user(
            "anweiban", password="x", role="office", unit=Unit.objects.get(name="县安委办")
        )
        return today, demo.load(today, password="demo-pass")
