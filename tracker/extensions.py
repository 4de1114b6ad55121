"""Where the registers plug into the core without the core importing them.

A wing (the enterprise register, the hazard register …) registers, in its AppConfig.ready():
- **measures**: a counted figure the office can attach to a task, so that each unit's progress
  is read from that unit's register rows instead of typed (新增标准化达标企业数, 巡查覆盖率 …);
- **panels**: a small block on the home page or the dashboard (a unit's overdue hazards, the
  year's accidents against the 控制指标), rendered from the wing's own template.

The core only ever calls what was registered here; with a wing uninstalled its measures and
panels are simply absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Reading:
    """A unit's measured figure, the page that lists exactly the rows behind it, and an
    optional line in words (排查企业 12 家 / 发现隐患 30 处 / 已整改 25 处 / 整改率 83.3%)."""

    value: Decimal
    url: str
    text: str = ""


@dataclass(frozen=True)
class Measure:
    """A figure a task's progress can be measured by.

    ``read(item=…, unit=…, today=…)`` gives the unit's Reading for the item (unit None: the
    county). ``sources`` names the models (``app_label.Model``) whose writes can change it, so
    the core can measure again after they commit.
    """

    key: str
    label: str
    unit_word: str
    read: Callable[..., Reading]
    sources: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Panel:
    """A block a wing adds to a core page: ``build(user=…, today=…)`` returns the template's
    context, or None when it has nothing to show this user."""

    name: str
    template: str
    build: Callable[..., dict[str, Any] | None]
    order: int = 100


_measures: dict[str, Measure] = {}
_panels: dict[str, dict[str, Panel]] = {"home": {}, "dashboard": {}}
_listeners: list[Callable[[Measure], None]] = []


def register_measure(measure: Measure) -> None:
    _measures[measure.key] = measure
    for listener in _listeners:
        listener(measure)


def on_measure_registered(listener: Callable[[Measure], None]) -> None:
    """Called for every measure, those already registered included (the core connects its
    re-measuring to their source models this way)."""
    _listeners.append(listener)
    for measure in list(_measures.values()):
        listener(measure)


def measure(key: str) -> Measure | None:
    return _measures.get(key)


def measure_choices() -> list[tuple[str, str]]:
    return [(m.key, f"{m.label}（{m.unit_word}）") for m in _measures.values()]


def register_home_panel(panel: Panel) -> None:
    _panels["home"][panel.name] = panel


def register_dashboard_tile(panel: Panel) -> None:
    _panels["dashboard"][panel.name] = panel


def panels(page: str, *, user, today: date) -> list[dict[str, Any]]:
    """The registered blocks of a page that have something for this user, in order."""
    shown = []
    for panel in sorted(_panels[page].values(), key=lambda p: (p.order, p.name)):
        context = panel.build(user=user, today=today)
        if context is not None:
            shown.append({"template": panel.template, "context": context, "name": panel.name})
    return shown
