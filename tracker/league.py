"""The league table of units (完成率, 逾期, 排名): one function for the dashboard and the bulletin.

Pure: it takes plain tuples, so the pages and the Excel export cannot disagree.
"""

from dataclasses import dataclass

from tracker.progress import waiting_on_office

COUNTED = ("lead", "responsible")


@dataclass
class UnitStanding:
    unit_id: int
    name: str
    kind: str
    total: int = 0  # 应完成: counted (牵头 + 责任) assignments
    verified: int = 0
    submitted: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    rank: int = 0

    @property
    def rate(self) -> float:
        """完成率 in percent, one decimal: verified / counted assignments."""
        return round(100 * self.verified / self.total, 1) if self.total else 0.0


def league_table(rows, *, today) -> list[UnitStanding]:
    """rows: (unit_id, unit_name, unit_kind, role, status, due_date, submitted_on) for every
    assignment; submitted_on is the county date of a submission, None when not submitted.

    配合 assignments are left out. Ranked by 完成率 (high first), then fewer overdue, then
    name; equal rate and overdue share a rank.
    """
    standings: dict[int, UnitStanding] = {}
    for unit_id, name, kind, role, status, due, submitted_on in rows:
        if role not in COUNTED:
            continue
        s = standings.get(unit_id)
        if s is None:
            s = standings[unit_id] = UnitStanding(unit_id, name, kind)
        s.total += 1
        setattr(s, status, getattr(s, status) + 1)
        if status != "verified" and due is not None and due < today:
            if not waiting_on_office(status=status, due=due, submitted_on=submitted_on):
                s.overdue += 1
    return rank_standings(list(standings.values()))


def rank_standings(standings: list[UnitStanding]) -> list[UnitStanding]:
    """Ranked by 完成率 (high first), then fewer overdue, then name; ties share a rank."""
    ordered = sorted(standings, key=lambda s: (-s.rate, s.overdue, s.name))
    previous = None
    for position, s in enumerate(ordered, start=1):
        key = (s.rate, s.overdue)
        s.rank = previous[1] if previous and previous[0] == key else position
        previous = (key, s.rank)
    return ordered


KIND_ORDER = ("township", "department", "other")


def rank_within_kinds(standings: list[UnitStanding]) -> dict[str, list[UnitStanding]]:
    """Townships, departments and other units ranked each among their own kind: a township is
    compared with townships, as on the dashboard and in the bulletin alike."""
    groups: dict[str, list[UnitStanding]] = {kind: [] for kind in KIND_ORDER}
    for s in standings:
        groups.get(s.kind, groups["other"]).append(s)
    return {kind: rank_standings(group) for kind, group in groups.items()}
