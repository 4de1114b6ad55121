import re

from django.contrib.staticfiles import finders
from django.templatetags.static import static
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


def test_a_leader_lands_on_the_dashboard(login, world):
    response = login(world.leader).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_the_office_sees_every_unit_and_counts_tasks_apart_from_their_shares(login, world):
    response = login(world.office).get(reverse("home"))
    page = response.content.decode()
    assert "全县任务概况" in page
    assert "城关镇" in page and "河西镇" in page
    # Two published tasks shared out as four assignments; the draft is the office's own.
    assert response.context["counts"]["items"] == 2
    assert response.context["counts"]["total"] == 4
    assert ">2</a></strong><span>任务</span>" in page
    assert ">4</a></strong><span>责任分解</span>" in page


def test_counts_show_overdue_open_assignments(login, world, settings):
    from tracker import services

    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.item.start_date
    )
    response = login(world.staff_b).get(reverse("home"))
    assert response.context["counts"]["overdue"] == 1
    assert "逾期" in response.content.decode()


def test_the_header_names_the_office_its_unit_and_role_once_each(login, world):
    page = login(world.office).get(reverse("home")).content.decode()
    assert '<span class="me">安委办张科长 · 安委办</span>' in page


def test_the_header_names_a_township_member_their_unit_and_role(login, world):
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert '<span class="me">城关镇王干事 · 城关镇 · 单位联络员</span>' in page


def test_the_header_names_a_leader_without_a_unit(login, world):
    page = login(world.leader).get(reverse("dashboard")).content.decode()
    assert '<span class="me">李县长 · 领导</span>' in page


def test_every_page_links_the_favicon(login, world):
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg" type="image/svg\+xml">', page)


def test_favicon_ico_leads_to_the_icon_even_before_signing_in(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    with open(finders.find("favicon.svg"), "rb") as icon:
        assert icon.read().startswith(b"<svg")
