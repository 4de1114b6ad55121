"""The unit list as speech extraction sees it: one UnitRef per active unit with all its names."""

from checklist.extract import UnitRef
from tracker.models import Unit, UnitAlias


def unit_refs() -> list[UnitRef]:
    """Every active unit with its name, short name and aliases (two queries)."""
    aliases: dict[int, list[str]] = {}
    for unit_id, alias in UnitAlias.objects.values_list("unit_id", "alias"):
        aliases.setdefault(unit_id, []).append(alias)
    refs = []
    units = Unit.objects.filter(active=True).only("id", "name", "short_name", "kind")
    for unit in units.order_by("sort_order"):
        names = [unit.name]
        if unit.short_name and unit.short_name != unit.name:
            names.append(unit.short_name)
        names.extend(aliases.get(unit.id, []))
        refs.append(UnitRef(key=unit.name, names=tuple(names), kind=unit.kind))
    return refs
