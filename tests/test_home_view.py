from django.urls import reverse


def test_staff_see_their_own_units_tasks_and_nothing_of_another_township(login, world):
    page = login(world.staff_b).get(reverse("home")).content.decode()
    assert "河西镇 · 我的任务" in page
    assert "开展拉网式隐患排查" in page
    assert "完成40家小微企业标准化创建" not in page  # township A's only
    assert "城关镇" not in page


def test_staff_do_not_see_draft_items(login, world):
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert "完成40家小微企业标准化创建" in page
    assert "草稿任务" not in page


def test_a_leader_sees_every_unit(login, world):
    response = login(world.leader).get(reverse("home"))
    page = response.content.decode()
    assert "全县任务概况" in page
    assert "城关镇" in page and "河西镇" in page
    assert response.context["counts"]["total"] == 5


def test_counts_show_overdue_open_assignments(login, world, settings):
    from tracker import services

    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.item.start_date
    )
    response = login(world.staff_b).get(reverse("home"))
    assert response.context["counts"]["overdue"] == 1
    assert "逾期" in response.content.decode()
