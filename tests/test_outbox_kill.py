"""Killing send_notifications mid-batch loses nothing and sends nothing twice that the provider
acknowledged: the real command in its own process, killed with SIGKILL while the provider
holds its third message."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Max

from tests.conftest import real_clock_env
from tests.fake_provider import add_channel, dingtalk_config
from tracker.messaging import worker
from tracker.messaging.fake_provider import FakeProvider
from tracker.messaging.models import Delivery
from tracker.models import Unit
from tracker.notices import notify_unit

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(condition, seconds=60.0):
    """A safety net against a hung test, not a measure of speed."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("等待超时")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_a_message_is_in_flight_loses_and_repeats_nothing_acknowledged():
    unit = Unit.objects.create(name="河西镇", kind="township", sort_order=20)
    with FakeProvider(hold=60.0, check_time=False) as provider:
        add_channel("dingtalk", dingtalk_config(provider), unit=unit)
        for n in range(1, 7):
            notify_unit(
                unit=unit, key=f"kill:{n}", title=f"第{n}条", body="", kind="register",
                text=f"第{n}条消息", path="/tasks/",
            )  # fmt: skip
        provider.script("dingtalk", "ok", "ok", "hang")
        env = real_clock_env() | {
            "DATABASE_URL": database_url(),
            "CHANNEL_TIMEOUT": "60",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("SQLITE_TEST_NAME", None)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "send_notifications"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until(lambda: len(provider.received) >= 3 or process.poll() is not None)
            assert process.poll() is None, process.stderr.read().decode()
            # The first two answers were acknowledged; wait until the worker has written them.
            wait_until(lambda: Delivery.objects.filter(state="sent").count() == 2)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
            process.stderr.close()
        assert Delivery.objects.filter(state="sending").count() == 4  # claimed, never answered

        # Another worker, once the dead one's lease is over (the subprocess ran on the real
        # clock, this test on a frozen one: move to the end of its lease).
        lease_end = Delivery.objects.aggregate(end=Max("lease_until"))["end"]
        with time_machine.travel(lease_end + timedelta(seconds=1), tick=False):
            provider.release()
            worker.run_once()

    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    received = Counter(r.json["text"]["content"].split("\n")[0] for r in provider.received)
    sent_once = [f"【安委办提醒】河西镇：第{n}条消息" for n in (1, 2, 4, 5, 6)]
    assert all(received[text] == 1 for text in sent_once), received
    # The one in flight had no answer when the worker died: it is sent again, as it must be.
    assert received["【安委办提醒】河西镇：第3条消息"] == 2
    assert settings.SITE_URL in provider.received[0].json["text"]["content"]
