"""Shared little builders for the 隐患台账's tests."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.hazards import services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="整改后.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def record(user, today, *, enterprise=None, level="general", **extra):
    fields = dict(
        user=user,
        enterprise=enterprise,
        found_on=today - timedelta(days=10),
        source="department",
        description="配电箱未接地",
        category="site",
        level=level,
        basis="《重大事故隐患判定标准》第三条" if level == "major" else "",
    )
    fields.update(extra)
    return services.hazard_record(**fields)


def plan(user, hazard, today, **extra):
    fields = dict(
        user=user,
        hazard=hazard,
        measures="重新敷设接地线",
        responsible="王厂长",
        funds=Decimal("3000"),
        deadline=today + timedelta(days=20),
        contingency="断电挂牌，专人看护",
    )
    fields.update(extra)
    return services.hazard_plan(**fields)
