import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from tracker.models import User
from tracker.selectors import assignments_for_user, get_assignment_for_user


def test_staff_see_only_their_own_units_published_assignments(world):
    seen = set(assignments_for_user(world.staff_a))
    assert seen == {world.a_item, world.a_target}


def test_staff_of_township_b_get_nothing_of_township_a(world):
    seen = set(assignments_for_user(world.staff_b))
    assert seen == {world.b_item}
    for assignment in (world.a_item, world.a_target, world.a_draft):
        with pytest.raises(Http404):
            get_assignment_for_user(world.staff_b, assignment.pk)


def test_staff_do_not_see_draft_items_even_of_their_own_unit(world):
    with pytest.raises(Http404):
        get_assignment_for_user(world.staff_a, world.a_draft.pk)


def test_office_and_leaders_see_every_unit(world):
    everything = {world.a_item, world.b_item, world.lead, world.a_target, world.a_draft}
    assert set(assignments_for_user(world.office)) == everything
    assert set(assignments_for_user(world.leader)) == everything


def test_anonymous_and_deactivated_users_see_nothing(world):
    assert not assignments_for_user(AnonymousUser()).exists()
    world.staff_a.is_active = False
    world.staff_a.save()
    assert not assignments_for_user(world.staff_a).exists()


def test_a_user_without_a_role_that_sees_anything_gets_nothing(world):
    stray = User(username="stray", role=User.Role.STAFF, unit=None)
    assert not assignments_for_user(stray).exists()


def test_a_malformed_id_is_a_404_not_a_crash(world):
    with pytest.raises(Http404):
        get_assignment_for_user(world.office, "abc")


def test_the_unit_scope_without_the_item_join_matches_on_published_items(world):
    from django.contrib.auth.models import AnonymousUser

    from tracker.selectors import assignments_of_visible_units

    stray = User(username="stray2", role=User.Role.STAFF, unit=None)
    for user in (world.office, world.leader, world.staff_a, world.staff_b, AnonymousUser(), stray):
        published = {"item__state": "published"}
        assert set(assignments_of_visible_units(user).filter(**published)) == set(
            assignments_for_user(user).filter(**published)
        )
    assert world.a_draft in set(assignments_of_visible_units(world.staff_a))
