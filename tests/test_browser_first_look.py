"""A new user's first look, on a 375-px phone and a 1280-px screen: the bell's badge clears
通知, evidence lists carry no bullets, photos show as thumbnails under the submission and
above the decision form, the light bar spans its card, and a returned task is marked 退回."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PASSWORD
from tests.test_review_submission import PDF, png_bytes
from tracker import services
from tracker.models import Notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [375, 1280]


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def screen(browser, request):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.width = width
    yield page
    context.close()


def sign_in(page, live_server, username, landing="/"):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{landing}")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-look-{name}-{page.width}.png"), full_page=True)


def overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def photo_submitted(world, settings, tmp_path):
    """Township A reported with a photo and a PDF, then submitted; B's task was returned."""
    settings.MEDIA_ROOT = tmp_path
    services.assignment_report(
        assignment=world.a_item,
        user=world.staff_a,
        percent=60,
        note="已排查32家",
        files=[
            SimpleUploadedFile("现场照片.png", png_bytes(40, 30), content_type="image/png"),
            SimpleUploadedFile("排查台账.pdf", PDF, content_type="application/pdf"),
        ],
    )
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, note="全部完成")
    services.assignment_submit(assignment=world.b_item, user=world.staff_b)
    world.b_item.refresh_from_db()
    services.assignment_return(assignment=world.b_item, user=world.office, reason="缺少整改照片")
    return world


@pytest.mark.parametrize("unread, shown", [(1, "1"), (12, "12"), (150, "99+")])
def test_the_bell_badge_sits_clear_of_the_word(screen, live_server, world, unread, shown):
    Notice.objects.bulk_create(
        Notice(unit=world.town_b, key=f"test:{n}", title=f"通知{n}", body="内容")
        for n in range(unread)
    )
    sign_in(screen, live_server, "staff_b")
    bell = screen.get_by_role("link", name="通知")
    badge = bell.locator(".badge")
    expect(badge).to_have_text(shown)
    word = bell.evaluate(
        """bell => { const range = document.createRange();
                     range.selectNodeContents(bell.firstChild);
                     const r = range.getBoundingClientRect();
                     return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""
    )
    assert word["width"] > 0
    assert not overlap(word, badge.bounding_box()), (word, badge.bounding_box())
    # Nor over the name beside it.
    assert not overlap(badge.bounding_box(), screen.locator(".who .me").bounding_box())
    assert screen.evaluate("document.documentElement.scrollWidth") <= screen.width
    box = bell.bounding_box()
    clip = {"x": box["x"] - 8, "y": 0, "width": box["width"] + 120, "height": box["y"] + 40}
    ARTIFACTS.mkdir(exist_ok=True)
    screen.screenshot(
        path=str(ARTIFACTS / f"first-look-bell-{unread}-{screen.width}.png"), clip=clip
    )


def test_the_review_shows_the_submission_with_its_photo_before_the_form(
    screen, live_server, photo_submitted
):
    w = photo_submitted
    sign_in(screen, live_server, "office")
    screen.goto(f"{live_server.url}/tasks/{w.a_item.pk}/")
    review = screen.locator("#review")
    photo = review.get_by_role("img", name="现场照片.png")
    expect(photo).to_be_visible()
    # decode() waits until the image has loaded (or fails if it cannot be shown as an image).
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40
    note = review.get_by_text("全部完成")
    approve = review.get_by_role("button", name="审核通过（销号）")
    expect(note).to_be_visible()
    assert note.bounding_box()["y"] < approve.bounding_box()["y"]
    assert photo.bounding_box()["y"] < approve.bounding_box()["y"]
    assert photo.bounding_box()["width"] <= screen.width
    # Evidence lists carry no bullets, in the review and in the history, nor the history
    # entries' rule beside each file.
    files = screen.locator("ul.files li").all()
    assert len(files) == 4
    for file in files:
        style = file.evaluate(
            "li => { const s = getComputedStyle(li); return [s.listStyleType, s.borderLeftWidth]; }"
        )
        assert style == ["none", "0px"], style
    expect(review.get_by_role("link", name="排查台账.pdf")).to_be_visible()
    assert screen.evaluate("document.documentElement.scrollWidth") <= screen.width
    shot(screen, "review")

    # The photo opens in place, not as a download.
    with screen.expect_event("response") as opened:
        photo.click()
    assert opened.value.headers["content-disposition"].startswith("inline")
    expect(screen.locator("img")).to_have_count(1)


def test_a_returned_task_is_marked_in_the_list_and_on_the_home_page(
    screen, live_server, photo_submitted
):
    w = photo_submitted
    sign_in(screen, live_server, "staff_b")
    returned = screen.get_by_role("link", name="1 被退回")
    expect(returned).to_be_visible()
    mark = screen.locator("tbody .tag-returned")
    expect(mark).to_have_text("退回")
    expect(mark).to_have_attribute("title", f"{w.today:%Y-%m-%d} 退回：缺少整改照片")
    shot(screen, "home-returned")
    returned.click()
    expect(screen.get_by_text("共 1 条")).to_be_visible()
    row = screen.locator(f'tbody tr[data-id="{w.b_item.pk}"]')
    expect(row.locator(".tag-returned")).to_be_visible()
    assert screen.evaluate("document.documentElement.scrollWidth") <= screen.width
    shot(screen, "list-returned")


def test_the_light_bar_spans_its_card(screen, live_server, photo_submitted):
    sign_in(screen, live_server, "leader", landing="/dashboard/")
    bar = screen.locator("svg.chart.lights")
    expect(bar).to_be_visible()
    card = bar.locator("xpath=..")
    inner = card.evaluate(
        """card => { const s = getComputedStyle(card);
                     return card.clientWidth - parseFloat(s.paddingLeft)
                            - parseFloat(s.paddingRight); }"""
    )
    width = bar.bounding_box()["width"]
    assert width >= 0.98 * inner, (width, inner)
    shot(screen, "dashboard")
