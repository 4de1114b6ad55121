"""The 任务分解表 template: exactly the layout the importer reads, with instructions."""

import xlsxwriter

TEMPLATE_HEADERS = [
    ("序号", 6),
    ("编号", 10),
    ("工作任务", 36),
    ("具体要求", 44),
    ("类别", 14),
    ("牵头单位", 16),
    ("责任单位", 24),
    ("配合单位", 20),
    ("完成时限", 12),
    ("报送频次", 12),
    ("目标数量", 10),
    ("分解数量", 24),
    ("备注", 20),
]

INSTRUCTIONS = [
    ("编号", "可不填：不填时按年度自动编号（如 {year}-015）；填写后用于再次导入时识别同一任务。"),
    ("工作任务", "必填，一句话说明要做的事。"),
    (
        "类别",
        "必填，从下拉列表中选择工作领域。也可以在任务行之前加一行“一、隐患排查治理”作为分组。",
    ),
    (
        "牵头单位",
        "一个单位。可写现名或旧称（如 安监局、工商局），系统按别名识别；不认识的单位会提示相近的名称。",
    ),
    (
        "责任单位",
        "可写多个，用顿号、逗号、分号或换行分隔；“各乡镇”“各镇街”表示全部乡镇（街道），“各部门”表示全部部门。",
    ),
    ("配合单位", "同上，可不填。配合单位不计入完成率。"),
    (
        "完成时限",
        "日期（{year}-06-30、{year}/6/30、{year}年6月30日）或 6月底前、年底前；长期任务写“长期坚持”或“持续推进”。",
    ),
    ("报送频次", "长期任务填写：每月28日前、每季度、每周。"),
    (
        "目标数量",
        "可不填；有数量目标时写“40家”“12场”这样的数量和单位，是全县的目标，在“分解数量”中分到各单位。"
        "比率目标写“100%”：各单位报送本单位的比率，全县取平均值，不分解。",
    ),
    (
        "分解数量",
        "可不填。把全县目标分到本行的牵头、责任单位，写成“河西镇8、平山街道5家”（单位可写全称、简称或旧称，"
        "用顿号、逗号、分号或换行分隔）；只写一个数量（如“8”）表示本行每个牵头、责任单位各承担这个数量。"
        "没有分解数量的单位按全县目标计；配合单位不分解。各单位合计与目标数量不一致时，预览中会提示，仍可导入。",
    ),
    ("备注", "可不填，导入到具体要求之后。"),
]

EXAMPLES = [
    ["1", "", "开展拉网式隐患排查", "各镇街对辖区生产经营场所开展拉网式排查，建立一企一档", "隐患排查治理",
     "县应急管理局", "各乡镇", "县市场监督管理局", "6月底前", "", "", "", ""],
    ["2", "", "小微企业安全生产标准化创建", "年内再完成40家小微企业标准化创建", "安全生产标准化创建",
     "安监局", "平山街道、古城街道", "", "{year}-12-31", "", "40家", "安监局2、平山街道20、古城街道18", ""],
    ["3", "", "网格员每月巡查", "网格员对责任网格每月巡查不少于一次", "网格化监管",
     "县应急管理局", "各镇街", "", "长期坚持", "每月28日前", "", "", ""],
]  # fmt: skip


def write_task_template(target, *, theme_names: list[str], year: int) -> None:
    book = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False})
    base = {"font_name": "宋体", "font_size": 10}
    title = book.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
    subtitle = book.add_format({**base, "align": "center"})
    header = book.add_format(
        {**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}
    )
    wrap = book.add_format({**base, "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("任务分解表")
    last = len(TEMPLATE_HEADERS) - 1
    sheet.merge_range(0, 0, 0, last, f"{year}年安全生产重点工作任务分解表", title)
    sheet.merge_range(1, 0, 1, last, "县安委办", subtitle)
    for col, (label, width) in enumerate(TEMPLATE_HEADERS):
        sheet.set_column(col, col, width, wrap)
        sheet.write_string(2, col, label, header)
    sheet.freeze_panes(3, 0)
    lists = book.add_worksheet("领域列表")
    for row, name in enumerate(theme_names):
        lists.write_string(row, 0, name)
    lists.hide()
    if theme_names:
        sheet.data_validation(
            3, 4, 5000, 4, {"validate": "list", "source": f"='领域列表'!$A$1:$A${len(theme_names)}"}
        )
    guide = book.add_worksheet("填写说明")
    guide.set_column(0, 0, 12)
    guide.set_column(1, 1, 90, wrap)
    guide.write_string(0, 0, "填写说明", title)
    guide.write_string(
        1,
        0,
        "在“任务分解表”工作表第4行起逐行填写，不要改动第3行的表头。导入前系统会先预览，确认后才写入。",
    )
    for row, (name, text) in enumerate(INSTRUCTIONS, start=3):
        guide.write_string(row, 0, name, header)
        guide.write_string(row, 1, text.replace("{year}", str(year)), wrap)
    start = len(INSTRUCTIONS) + 5
    guide.write_string(start - 1, 0, "示例（可复制到任务分解表）：")
    for col, (label, _) in enumerate(TEMPLATE_HEADERS):
        guide.write_string(start, col, label, header)
    for row, values in enumerate(EXAMPLES, start=start + 1):
        for col, value in enumerate(values):
            # Dated examples are in the template's own 年度, never a year gone by.
            guide.write_string(row, col, value.replace("{year}", str(year)))
    book.close()
