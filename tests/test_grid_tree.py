"""网格: the tree of 村（社区） and 网格 of each township, its 网格长 and 网格员, and the rules that
keep it whole: no loop, nothing across townships, one 网格长 per grid."""

import pytest
from django.core.exceptions import PermissionDenied

from tracker.enterprises import services
from tracker.enterprises.grids import Tree
from tracker.enterprises.models import Enterprise, Grid, GridMember
from tracker.enterprises.services import RegisterError


def test_a_grid_cannot_be_hung_under_its_own_child(world, registers):
    child = services.grid_create(
        user=world.office, township=world.town_a, name="南片", parent=registers.grid_a1
    )
    with pytest.raises(RegisterError, match="不能把「东关一网格」挂到它自己的下级「南片」之下"):
        services.grid_move(user=world.office, grid=registers.grid_a1, parent=child)
    registers.grid_a1.refresh_from_db()
    assert registers.grid_a1.parent == registers.village_a


def test_a_grid_cannot_be_its_own_parent(world, registers):
    with pytest.raises(RegisterError, match="不能以自己为上级"):
        services.grid_move(user=world.office, grid=registers.grid_a1, parent=registers.grid_a1)


def test_a_grid_cannot_hang_under_another_townships_village(world, registers):
    with pytest.raises(RegisterError, match="属于其他乡镇（街道）"):
        services.grid_create(
            user=world.office, township=world.town_a, name="越界网格", parent=registers.village_b
        )
    assert not Grid.objects.filter(name="越界网格").exists()


def test_a_village_has_no_parent_and_a_grid_needs_one(world, registers):
    # A name under no parent is a 村（社区）; it cannot be moved under another.
    with pytest.raises(RegisterError, match="村（社区）"):
        services.grid_move(user=world.office, grid=registers.village_a, parent=registers.grid_b1)


def test_the_same_name_twice_under_one_parent_is_refused_by_name(world, registers):
    with pytest.raises(RegisterError, match="「东关村」下已有名为「东关一网格」的网格"):
        services.grid_create(
            user=world.office, township=world.town_a, name="东关一网格", parent=registers.village_a
        )


def test_a_grid_member_of_another_township_cannot_serve_on_a_grid(world, registers):
    with pytest.raises(RegisterError, match="grid_b」是河西镇的网格员，不能担任其他乡镇"):
        services.member_add(
            user=world.office, grid=registers.grid_a2, name="周网格", phone="13800000009",
            account=world.grid_b,
        )  # fmt: skip
    assert not GridMember.objects.filter(grid=registers.grid_a2, user=world.grid_b).exists()


def test_an_account_that_is_not_a_grid_members_cannot_be_one(world, registers):
    with pytest.raises(RegisterError, match="角色是单位联络员，不是网格员"):
        services.member_add(
            user=world.office, grid=registers.grid_a2, name="王干事", phone="13800000009",
            account=world.staff_a,
        )  # fmt: skip


def test_a_grid_has_one_leader(world, registers):
    with pytest.raises(RegisterError, match="已有网格长"):
        services.member_add(
            user=world.office, grid=registers.grid_a1, name="另一位", phone="13800000010",
            role="leader",
        )  # fmt: skip


def test_a_bad_phone_is_named(world, registers):
    with pytest.raises(RegisterError, match="电话「12345」不是有效的电话号码"):
        services.member_add(user=world.office, grid=registers.grid_a2, name="新人", phone="12345")


def test_another_townships_staff_cannot_change_a_townships_grids(world, registers):
    with pytest.raises(PermissionDenied):
        services.grid_create(
            user=world.staff_b, township=world.town_a, name="插手", parent=registers.village_a
        )
    services.grid_create(
        user=world.staff_a, township=world.town_a, name="东关三网格", parent=registers.village_a
    )


def test_an_enterprise_goes_into_a_grid_of_its_own_township_only(world, registers):
    with pytest.raises(RegisterError, match="属于河西镇，与企业的属地不一致"):
        services.enterprise_set_grid(
            user=world.office, enterprise=registers.snack, grid=registers.grid_b1
        )
    services.enterprise_set_grid(
        user=world.office, enterprise=registers.snack, grid=registers.grid_a2
    )
    registers.snack.refresh_from_db()
    assert (registers.snack.grid, registers.snack.village) == (
        registers.grid_a2,
        registers.village_a,
    )


def test_an_enterprise_is_never_put_into_a_village_directly(world, registers):
    with pytest.raises(RegisterError, match="企业要划入其下的网格"):
        services.enterprise_set_grid(
            user=world.office, enterprise=registers.snack, grid=registers.village_a
        )
    assert Enterprise.objects.get(pk=registers.snack.pk).grid is None


def test_the_tree_walks_villages_then_their_grids_in_order(world, registers):
    services.grid_create(
        user=world.office, township=world.town_a, name="南片", parent=registers.grid_a1
    )
    walked = [(n.name, n.depth) for n in Tree.of([world.town_a.pk]).walk(world.town_a.pk)]
    assert walked == [("东关村", 0), ("东关一网格", 1), ("南片", 2), ("东关二网格", 1)]


def test_the_admins_form_runs_the_same_loop_check(world, registers):
    from django.core.exceptions import ValidationError

    child = services.grid_create(
        user=world.office, township=world.town_a, name="南片", parent=registers.grid_a1
    )
    registers.grid_a1.parent = child
    with pytest.raises(ValidationError, match="网格会成环"):
        registers.grid_a1.full_clean()
