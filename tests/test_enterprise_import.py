"""Import of the office's enterprise list: the 任务分解表's robust reading, all or nothing, the
same file twice adds nothing; and the export that reads back in unchanged."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tracker.enterprises.credit_code import make
from tracker.enterprises.excel_import import import_enterprises
from tracker.enterprises.models import Enterprise, Grid

HEADER = ["序号", "企业名称", "统一社会信用代码", "属地乡镇", "村（社区）", "行业类别", "风险等级",
          "主要负责人", "联系电话", "状态"]  # fmt: skip
CODE_1, CODE_2 = make("91440000MA1000001"), make("91440000MA1000002")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def workbook(rows, *, header=HEADER, title="全县生产经营单位名单", merges=()) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


ROWS = [
    [
        1,
        "城关五金厂",
        CODE_1,
        "城关镇",
        "西街社区",
        "工贸",
        "一般",
        "赵厂长",
        "13911112222",
        "在产",
    ],
    [2, "城关烟花店", CODE_2, None, "西街社区", "烟花", "较大", "钱老板", "0752-1234567", "在产"],
    [3, "老街面馆", "", "河西镇", "河西村", "九小场所", "低", "孙师傅", "", "停产"],
]


def test_a_list_is_read_by_header_name_with_merged_township_cells(world, registers):
    # 城关镇 is merged down rows 3–4: it applies to both.
    source = workbook(ROWS, merges=["D3:D4"])
    report = import_enterprises(source, user=world.office, dry_run=True)
    assert report.ok, report.errors
    assert report.counts == {"rows": 3, "create": 3, "update": 0, "unchanged": 0}
    assert report.new_villages == [("城关镇", "西街社区")]
    assert not Enterprise.objects.filter(name="城关五金厂").exists()  # a dry run writes nothing
    report = import_enterprises(source, user=world.office, dry_run=False)
    assert report.committed
    shop = Enterprise.objects.get(name="城关烟花店")
    assert shop.township == world.town_a and shop.industry.name == "烟花爆竹"
    assert shop.village.name == "西街社区" and shop.risk == "larger"
    noodles = Enterprise.objects.get(name="老街面馆")
    assert noodles.village == registers.village_b and noodles.state == "suspended"
    assert noodles.credit_code == ""
    # The industry's department is the default 行业监管部门.
    assert Enterprise.objects.get(name="城关五金厂").supervisor == world.dept


def test_the_same_file_twice_adds_nothing(world, registers):
    import_enterprises(workbook(ROWS, merges=["D3:D4"]), user=world.office, dry_run=False)
    count, villages = Enterprise.objects.count(), Grid.objects.count()
    report = import_enterprises(workbook(ROWS, merges=["D3:D4"]), user=world.office, dry_run=False)
    assert report.counts == {"rows": 3, "create": 0, "update": 0, "unchanged": 3}
    assert (Enterprise.objects.count(), Grid.objects.count()) == (count, villages)


def test_a_row_is_matched_by_its_code_or_by_its_name_in_its_township(world, registers):
    rows = [
        [1, "城关皮革厂（更名）", registers.tannery.credit_code, "城关镇", "", "工贸", "重大", "", "", ""],
        [2, "东关小吃店", "", "城关镇", "", "九小场所", "一般", "", "", "在产"],
    ]  # fmt: skip
    report = import_enterprises(workbook(rows), user=world.office, dry_run=False)
    assert report.counts["update"] == 2 and report.counts["create"] == 0
    registers.tannery.refresh_from_db()
    assert (registers.tannery.name, registers.tannery.risk) == ("城关皮革厂（更名）", "major")
    # Columns the sheet has are written; the ones it lacks (主要负责人 is empty here) too,
    # but the grid, which the sheet does not name, is kept.
    assert registers.tannery.grid == registers.grid_a1
    assert Enterprise.objects.get(pk=registers.snack.pk).risk == "general"


@pytest.mark.parametrize(
    "row, message",
    [
        (["城关新厂", "91440000MA100000", "城关镇", "", "工贸"], "第4行 第C列：统一社会信用代码应为18位（现有16位）"),
        (["城关新厂", CODE_1[:17] + ("0" if CODE_1[17] != "0" else "1"), "城关镇", "", "工贸"], "校验位不对"),
        (["城关新厂", "91440000MA10000O12", "城关镇", "", "工贸"], "不允许的字符「O」"),
        (["城关新厂", "", "城关镇", "", "工贸"], "第4行 第C列：工贸企业必须填写统一社会信用代码"),
        (["城关新厂", CODE_1, "城关区", "", "工贸"], "第4行 第D列：乡镇（街道）「城关区」不存在，是否为：城关镇"),
        (["城关新厂", CODE_1, "县应急管理局", "", "工贸"], "「县应急管理局」不是乡镇（街道）"),
        (["城关新厂", CODE_1, "城关镇", "", "钢铁"], "第4行 第F列：行业类别「钢铁」不存在"),
        (["城关新厂", CODE_1, "城关镇", "", "工贸", "中等"], "风险等级「中等」无法识别"),
        (["城关新厂", CODE_1, "城关镇", "", "工贸", "", "", "123"], "第4行 第I列：主要负责人电话「123」不是有效的电话号码"),
        (["城关新厂", "", "城关镇", "", "九小场所", "", "", "", "倒闭"], "第4行 第J列：状态「倒闭」无法识别"),
    ],
)  # fmt: skip
def test_bad_cells_are_row_errors_naming_row_and_column_and_nothing_is_written(
    world, registers, row, message
):
    rows = [[1, "好企业", CODE_2, "城关镇", "", "工贸"], [2, *row]]
    before = Enterprise.objects.count()
    report = import_enterprises(workbook(rows), user=world.office, dry_run=False)
    assert not report.committed
    assert any(message in str(e) for e in report.errors), [str(e) for e in report.errors]
    assert Enterprise.objects.count() == before


def test_a_duplicate_within_the_sheet_names_the_first_row(world, registers):
    rows = [
        [1, "城关五金厂", CODE_1, "城关镇", "", "工贸"],
        [2, "城关五金二厂", CODE_1, "城关镇", "", "工贸"],
        [3, "老街面馆", "", "河西镇", "", "九小场所"],
        [4, "老街面馆", "", "河西镇", "", "九小场所"],
    ]
    errors = [
        str(e) for e in import_enterprises(workbook(rows), user=world.office, dry_run=True).errors
    ]
    assert "第4行 第C列：统一社会信用代码 " + CODE_1 + " 与第3行重复。" in errors
    assert any(e.startswith("第6行 第B列：「老街面馆」与第5行重复") for e in errors)


def test_a_code_already_registered_to_another_enterprise_is_refused(world, registers):
    rows = [[1, "城关加油站", registers.tannery.credit_code, "城关镇", "", "危化"]]
    report = import_enterprises(workbook(rows), user=world.office, dry_run=False)
    assert "已登记为「城关皮革制品有限公司」" in str(report.errors[0])
    assert (
        Enterprise.objects.get(pk=registers.station.pk).credit_code != registers.tannery.credit_code
    )


def test_an_unknown_grid_is_a_row_error_and_a_known_one_is_used(world, registers):
    header = [*HEADER[:5], "网格", *HEADER[5:]]
    rows = [
        [1, "城关五金厂", CODE_1, "城关镇", "东关村", "东关二网格", "工贸"],
        [2, "城关烟花店", CODE_2, "城关镇", "东关村", "不存在网格", "烟花爆竹"],
    ]
    report = import_enterprises(workbook(rows, header=header), user=world.office, dry_run=True)
    assert [str(e) for e in report.errors] == [
        "第4行 第F列：网格「不存在网格」不在城关镇的网格中，请先在网格中添加，或清空此格导入后再划分网格。"
    ]
    rows.pop()
    import_enterprises(workbook(rows, header=header), user=world.office, dry_run=False)
    assert Enterprise.objects.get(name="城关五金厂").grid == registers.grid_a2


def test_a_two_row_header_with_name_and_phone_under_each_person(world, registers):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["企业名称", "属地乡镇", "行业类别", "信用代码", "主要负责人", None, "安全管理人员", None]
    )
    sheet.append([None, None, None, None, "姓名", "电话", "姓名", "电话"])
    sheet.append(
        ["城关五金厂", "城关镇", "工贸", CODE_1, "赵厂长", "13911112222", "钱安全", "13922223333"]
    )
    sheet.merge_cells("E1:F1")
    sheet.merge_cells("G1:H1")
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    report = import_enterprises(data, user=world.office, dry_run=False)
    assert report.committed, report.errors
    factory = Enterprise.objects.get(name="城关五金厂")
    assert (factory.principal, factory.principal_phone) == ("赵厂长", "13911112222")
    assert (factory.safety_officer, factory.safety_phone) == ("钱安全", "13922223333")


def test_a_sheet_without_a_header_says_what_it_looks_for(world, registers):
    report = import_enterprises(
        workbook([["x"]], header=["甲", "乙", "丙"]), user=world.office, dry_run=True
    )
    assert "没有找到表头" in str(report.errors[0]) and "企业名称" in str(report.errors[0])


def test_a_renamed_file_is_refused_before_reading(world, registers):
    report = import_enterprises(io.BytesIO(b"%PDF-1.4\n"), user=world.office, dry_run=True)
    assert "PDF" in str(report.errors[0])


def test_only_the_office_imports(world, registers):
    with pytest.raises(PermissionError):
        import_enterprises(workbook(ROWS), user=world.staff_a, dry_run=True)


def test_the_pages_preview_then_confirm_and_a_second_confirm_writes_nothing(
    login, world, registers
):
    client = login(world.office)
    upload = SimpleUploadedFile("名单.xlsx", workbook(ROWS, merges=["D3:D4"]).read())
    preview = client.post(reverse("enterprises:enterprise_import"), {"file": upload})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "预览（尚未写入）" in text and "城关镇 西街社区" in text
    token = preview.context["token"]
    assert not Enterprise.objects.filter(name="城关五金厂").exists()
    confirm = client.post(reverse("enterprises:enterprise_import_confirm"), {"token": token})
    assert confirm.status_code == 302
    assert Enterprise.objects.filter(name="城关五金厂").exists()
    again = client.post(reverse("enterprises:enterprise_import_confirm"), {"token": token})
    assert again.status_code == 410


def test_a_township_is_refused_the_import_page(login, world):
    assert login(world.staff_a).get(reverse("enterprises:enterprise_import")).status_code == 403


def test_the_export_reads_back_in_unchanged(login, world, registers):
    exported = login(world.office).get(reverse("enterprises:enterprise_export"))
    assert exported.status_code == 200
    data = io.BytesIO(b"".join(exported.streaming_content))
    rows = list(load_workbook(data, read_only=True).active.values)
    assert rows[0][:3] == ("企业名称", "统一社会信用代码", "地址")
    assert len(rows) == 1 + Enterprise.objects.count()
    data.seek(0)
    report = import_enterprises(data, user=world.office, dry_run=True)
    assert report.ok, report.errors
    assert report.counts["unchanged"] == Enterprise.objects.count()


def test_the_export_keeps_text_that_looks_like_a_formula_as_text(login, world, registers):
    Enterprise.objects.filter(pk=registers.snack.pk).update(name="=HYPERLINK(1)")
    exported = login(world.office).get(reverse("enterprises:enterprise_export"))
    sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    cell = next(c for c in sheet["A"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_a_township_exports_only_its_own_enterprises(login, world, registers):
    exported = login(world.staff_b).get(reverse("enterprises:enterprise_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active.values)
    assert [r[0] for r in rows[1:]] == ["河西化工有限公司"]
