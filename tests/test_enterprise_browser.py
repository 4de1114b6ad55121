"""The registers in a real browser: a township's 网格员 records an inspection on a 375-px
phone; the office imports an enterprise list and sees coverage by grid."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PASSWORD
from tracker.enterprises.credit_code import make
from tracker.enterprises.models import Inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/**")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"registers-{name}.png"), full_page=True)


def test_a_grid_member_records_an_inspection_on_a_phone(
    page, live_server, world, registers, settings, tmp_path, today
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/registers/my-grid/")
    expect(page.get_by_role("heading", name="我的网格")).to_be_visible()
    todo = page.get_by_role("list", name="尚未巡查的企业")
    row = todo.get_by_role("listitem").filter(has_text="城关皮革制品有限公司")
    expect(row).to_be_visible()
    # Another grid's enterprise of the same township is not this 网格员's work.
    expect(todo.get_by_text("城关加油站")).to_have_count(0)
    shot(page, "1-my-grid")
    row.get_by_role("link", name="检查").click()

    expect(page.get_by_role("heading", name="录入巡查")).to_be_visible()
    page.get_by_label("发现隐患").check()
    page.get_by_label("隐患描述（每处一行）").fill("配电箱无漏电保护\n灭火器过期")
    page.get_by_label("现场照片").set_input_files(
        [{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.get_by_label("检查人签名（姓名）")).to_have_value("城关镇网格员小刘")
    shot(page, "2-inspection-form")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form is wider than the phone: {width}px"
    page.get_by_role("button", name="保存巡查记录").click()

    expect(page.get_by_text("城关皮革制品有限公司").first).to_be_visible()
    expect(page.get_by_text("发现隐患 2 处").first).to_be_visible()
    expect(todo.get_by_text("城关皮革制品有限公司")).to_have_count(0)
    shot(page, "3-recorded")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is wider than the phone: {width}px"
    inspection = Inspection.objects.get()
    assert inspection.inspected_on == today and inspection.photos.count() == 1


def _enterprise_list() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码", "属地乡镇", "村（社区）", "网格", "行业类别"])
    sheet.append(
        ["东关五金厂", make("91440000MA2000001"), "城关镇", "东关村", "东关一网格", "工贸"]
    )
    sheet.append(
        ["东关烟花店", make("91440000MA2000002"), "城关镇", "东关村", "东关一网格", "烟花爆竹"]
    )
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_the_office_imports_an_enterprise_list_and_sees_coverage_by_grid(
    desktop, live_server, world, registers, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page = desktop
    sign_in(page, live_server, "office")
    page.goto(f"{live_server.url}/registers/enterprises/")
    page.get_by_role("link", name="导入企业名单").click()
    page.get_by_label("企业名单（.xlsx）").set_input_files(
        [{"name": "城关镇企业名单.xlsx", "mimeType": "application/octet-stream",
          "buffer": _enterprise_list()}]
    )  # fmt: skip
    page.get_by_role("button", name="上传并预览").click()
    expect(
        page.get_by_role("heading", name="预览（尚未写入）：城关镇企业名单.xlsx")
    ).to_be_visible()
    shot(page, "4-import-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("新增企业 2 家")).to_be_visible()

    page.get_by_role("link", name="网格与巡查覆盖").click()
    page.get_by_role("link", name="城关镇").click()
    line = page.locator("tr", has_text="东关一网格")
    # 东关一网格: the tannery and the two imported enterprises, none inspected yet.
    expect(line.get_by_role("link", name="3", exact=True)).to_be_visible()
    expect(line.get_by_role("link", name="未巡查 3")).to_be_visible()
    shot(page, "5-coverage-by-grid")
