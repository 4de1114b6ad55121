"""The register's figures a task can be measured by (tracker.extensions): each unit's own
enterprises, by 属地 for a township and by 行业 for a department, the county's for None."""

from datetime import date
from decimal import Decimal

from tracker import extensions
from tracker.enterprises import selectors
from tracker.enterprises.models import Standardization
from tracker.enterprises.periods import quarter_of
from tracker.extensions import Measure, Reading

STANDARDIZED = "enterprises.standardized"


def _count(*, item, unit, today: date) -> Reading:
    figure = selectors.enterprise_count(unit)
    return Reading(Decimal(figure.count), figure.url)


def _coverage(*, item, unit, today: date) -> Reading:
    quarter = quarter_of(today)
    figure = selectors.inspection_coverage(unit, quarter)
    rate = figure.rate
    value = Decimal(str(rate)) if rate is not None else Decimal(0)
    text = f"{quarter.label}已巡查 {figure.count} / {figure.total} 家，覆盖率 {rate if rate is not None else 0}%"
    return Reading(value, figure.url, text)


def _standardized(level: str | None):
    def read(*, item, unit, today: date) -> Reading:
        figure = selectors.standardized_count(unit, item.year, level)
        return Reading(Decimal(figure.count), figure.url)

    return read


def register() -> None:
    extensions.register_measure(
        Measure(
            key="enterprises.count",
            label="建档企业数",
            unit_word="家",
            read=_count,
            sources=("enterprises.Enterprise",),
            help="企业台账中本单位在册的企业（关闭的除外）",
        )
    )
    extensions.register_measure(
        Measure(
            key="enterprises.coverage",
            label="本季度巡查覆盖率",
            unit_word="%",
            read=_coverage,
            sources=("enterprises.Inspection", "enterprises.Enterprise"),
            help="本季度巡查过的在产、停产企业占全部的比例",
        )
    )
    extensions.register_measure(
        Measure(
            key=STANDARDIZED,
            label="本年度新增标准化达标企业数",
            unit_word="家",
            read=_standardized(None),
            sources=("enterprises.Standardization",),
            help="任务所属年度内达标（已达标且未撤销）的企业，各等级合计",
        )
    )
    for level, label in Standardization.Level.choices:
        name = label if level == Standardization.Level.SMALL else f"{label}标准化"
        extensions.register_measure(
            Measure(
                key=f"{STANDARDIZED}.{level}",
                label=f"本年度新增{name}达标企业数".replace("达标达标", "达标"),
                unit_word="家",
                read=_standardized(level),
                sources=("enterprises.Standardization",),
                help=f"任务所属年度内达到{label}的企业",
            )
        )
