"""The grid tree of a township: 村（社区） → 网格 (→ smaller 网格), its rules and its shape.

The rules are checked here, in one place, for the admin's forms (Grid.clean, GridMember.clean)
and for the services alike: a 网格's parent is in its own township, the tree has no loop, a
网格员's account belongs to the grid's township.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tracker.enterprises import phones
from tracker.enterprises.models import Grid, GridMember
from tracker.models import Unit, User

MAX_DEPTH = 6


def check_parent(grid: Grid) -> None:
    """Raise ValidationError (on 上级) unless the grid may sit where it is."""
    if grid.township_id is None:
        return  # the form names the missing township itself
    township = Unit.objects.filter(pk=grid.township_id).values_list("kind", "name").first()
    if township and township[0] != Unit.Kind.TOWNSHIP:
        raise ValidationError({"township": f"「{township[1]}」不是乡镇（街道），不能设网格。"})
    if grid.level == Grid.Level.VILLAGE:
        if grid.parent_id is not None:
            raise ValidationError({"parent": "村（社区）直接属于乡镇（街道），不能有上级。"})
        return
    if grid.parent_id is None:
        raise ValidationError({"parent": "网格必须属于一个村（社区）或上级网格。"})
    if grid.pk is not None and grid.parent_id == grid.pk:
        raise ValidationError({"parent": f"网格「{grid.name}」不能以自己为上级。"})
    parents = dict(Grid.objects.filter(township_id=grid.township_id).values_list("pk", "parent_id"))
    parent = Grid.objects.filter(pk=grid.parent_id).values("township_id", "name").first()
    if parent is None:
        raise ValidationError({"parent": "上级网格不存在。"})
    if parent["township_id"] != grid.township_id:
        raise ValidationError(
            {"parent": f"上级「{parent['name']}」属于其他乡镇（街道），网格只能挂在本乡镇下。"}
        )
    # Walk up from the new parent: meeting the grid itself means the tree would loop.
    seen, node, depth = set(), grid.parent_id, 1
    while node is not None:
        if grid.pk is not None and node == grid.pk:
            raise ValidationError(
                {
                    "parent": f"不能把「{grid.name}」挂到它自己的下级「{parent['name']}」之下（网格会成环）。"
                }
            )
        if node in seen:
            raise ValidationError({"parent": "上级网格的层级已经成环，请先修正上级。"})
        seen.add(node)
        node = parents.get(node)
        depth += 1
    if depth > MAX_DEPTH + 1:
        raise ValidationError({"parent": f"网格最多 {MAX_DEPTH} 层。"})


def check_member(member: GridMember) -> None:
    """Raise ValidationError unless the person may serve on this grid."""
    errors = {}
    try:
        member.phone = phones.check(member.phone, required=True)
    except phones.PhoneError as exc:
        errors["phone"] = f"电话{exc}。"
    if member.user_id is not None and member.grid_id is not None:
        user = User.objects.select_related("unit").get(pk=member.user_id)
        township_id = Grid.objects.filter(pk=member.grid_id).values_list("township_id", flat=True)
        township_id = township_id.first()
        if user.role != User.Role.GRID:
            errors["user"] = (
                f"账号「{user.username}」的角色是{user.get_role_display()}，不是网格员。"
            )
        elif user.unit_id != township_id:
            own = user.unit.name if user.unit_id else "未设单位"
            errors["user"] = (
                f"账号「{user.username}」是{own}的网格员，不能担任其他乡镇（街道）的网格员。"
            )
    if errors:
        raise ValidationError(errors)


@dataclass
class Node:
    pk: int
    name: str
    level: str
    parent_id: int | None
    township_id: int
    sort_order: int = 100
    children: list["Node"] = field(default_factory=list)
    depth: int = 0


class Tree:
    """Grids of one or more townships, as nodes with their children, in page order."""

    def __init__(self, rows: Iterable[dict]):
        self.nodes: dict[int, Node] = {}
        for row in rows:
            self.nodes[row["pk"]] = Node(
                pk=row["pk"],
                name=row["name"],
                level=row["level"],
                parent_id=row["parent_id"],
                township_id=row["township_id"],
                sort_order=row["sort_order"],
            )
        self.roots: dict[int, list[Node]] = defaultdict(list)  # township → its 村（社区）
        for node in sorted(self.nodes.values(), key=lambda n: (n.sort_order, n.name)):
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            if parent is None:
                self.roots[node.township_id].append(node)
            else:
                parent.children.append(node)

    @classmethod
    def of(cls, township_ids: Iterable[int] | None = None) -> "Tree":
        qs = Grid.objects.all()
        if township_ids is not None:
            qs = qs.filter(township_id__in=list(township_ids))
        return cls(qs.values("pk", "name", "level", "parent_id", "township_id", "sort_order"))

    def walk(self, township_id: int):
        """The township's nodes depth-first, each with its depth set (村 = 0)."""
        stack = [(node, 0) for node in reversed(self.roots.get(township_id, []))]
        seen = set()
        while stack:
            node, depth = stack.pop()
            if node.pk in seen:  # a loop written around the services: show it once
                continue
            seen.add(node.pk)
            node.depth = depth
            yield node
            stack.extend((child, depth + 1) for child in reversed(node.children))

    def descendants(self, pks: Iterable[int]) -> set[int]:
        """These grids and every grid below them."""
        found, stack = set(), list(pks)
        while stack:
            pk = stack.pop()
            if pk in found or pk not in self.nodes:
                continue
            found.add(pk)
            stack.extend(child.pk for child in self.nodes[pk].children)
        return found

    def village_of(self, pk: int) -> Node | None:
        node, seen = self.nodes.get(pk), set()
        while node is not None and node.level != Grid.Level.VILLAGE and node.pk not in seen:
            seen.add(node.pk)
            node = self.nodes.get(node.parent_id) if node.parent_id else None
        return node if node is not None and node.level == Grid.Level.VILLAGE else None

    def path(self, pk: int) -> str:
        """村 › 网格 › 网格, for a select's label."""
        names, node, seen = [], self.nodes.get(pk), set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = self.nodes.get(node.parent_id) if node.parent_id else None
        return " › ".join(reversed(names))
