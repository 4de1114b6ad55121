"""What the extractor does not take for an order: reports of what a campaign did, introductions
of a speaker's points, and the context a speaker opens with. The texts are made up in the shape
of those an office receives."""

from checklist.extract import extract_directives


def texts(text):
    return [d.text for d in extract_directives(text)]


def test_a_report_of_what_a_campaign_did_gives_no_directive():
    report = (
        "加强督导。连日来，镇安办组织力量对辖区内12家企业开展专项检查，严格落实隐患整改"
        "闭环管理，整改隐患共计9处。\n"
        "强化宣传。采用悬挂横幅、发放手册等形式开展宣传，本月以来发放宣传资料800余份。\n"
    )
    assert texts(report) == []


def test_a_report_with_numbered_paragraphs_in_the_shape_of_orders_gives_no_directive():
    report = (
        "一是加强领导，明确责任。成立了镇隐患排查领导小组，严格落实包村干部排查责任。\n"
        "二是突出重点，强化宣传。充分利用广播、宣传栏等形式，广泛开展燃气安全宣传。截至目前，"
        "共发放资料500份。\n"
    )
    assert texts(report) == []


def test_a_report_opening_with_the_purpose_of_the_action_gives_no_directive():
    report = (
        "近日，为进一步加强安全生产工作，严格落实安全责任，坚决遏制事故发生，某镇在全镇开展隐患"
        "集中整治行动。3月5日，该镇召开了动员会，辖区40家企业负责人参加。"
    )
    assert texts(report) == []


def test_the_next_step_of_a_report_is_still_a_directive():
    report = (
        "本报讯 某镇开展燃气安全排查，对发现的隐患全部登记建账、跟踪督办。在排查过程中，"
        "加大宣传力度，提升群众安全意识。\n"
        "下一步，某镇将建立燃气隐患清单销号机制，持续开展隐患排查整治。"
    )
    assert texts(report) == ["下一步，某镇将建立燃气隐患清单销号机制，持续开展隐患排查整治。"]


def test_a_report_that_quotes_an_order_keeps_that_order():
    report = (
        "连日来，县应急局对12家企业开展了专项检查，共发现隐患20处。"
        "县应急局要求，企业必须建立隐患排查台账，限期完成整改。"
    )
    assert texts(report) == ["县应急局要求，企业必须建立隐患排查台账，限期完成整改。"]


def test_a_meeting_report_whose_orders_open_with_their_verb_is_not_a_report():
    report = (
        "近日，某县召开了安全生产工作会议。会议强调，紧盯危化品、燃气等重点领域，全面开展"
        "隐患排查整治。"
    )
    assert texts(report) == ["会议强调，紧盯危化品、燃气等重点领域，全面开展隐患排查整治。"]


def test_counts_under_a_results_heading_are_figures_not_targets():
    text = "一、主要成效\n全年完成120家小微企业标准化创建。\n二、下步工作\n要完成80家企业标准化创建。\n"
    assert texts(text) == ["要完成80家企业标准化创建。"]


def test_a_speaker_announcing_his_points_orders_nothing_by_that():
    assert texts("下面，我就抓好隐患排查整治强调三点意见。") == []


def test_the_points_after_an_introduction_start_after_it():
    ds = extract_directives(
        "副县长就消防工作提出四点要求，一是要提高认识，二是要开展火灾隐患排查。"
    )
    assert [d.text for d in ds] == ["一是要提高认识，二是要开展火灾隐患排查。"]


def test_an_introduction_followed_by_an_attitude_is_no_directive():
    assert texts("会上，局长就抓好隐患排查整治提出两点要求，一是要提高认识。") == []


def test_the_year_a_speaker_places_the_work_in_is_context_not_an_order():
    assert texts("今年是专项整治行动的巩固之年，我们也要进一步加强隐患排查。") == []
    assert texts("明年是规划的开局之年，全县上下要坚定信心，开展安全生产大检查。") == []


def test_an_order_to_a_named_party_after_the_context_still_counts():
    text = "今年是专项整治行动的巩固之年，各乡镇要在6月底前完成隐患整改。"
    assert texts(text) == [text]


def test_statements_of_principle_are_not_orders():
    assert texts("防汛工作事关群众生命财产安全，来不得半点马虎，必须时刻绷紧安全之弦。") == []
    assert texts("抓好燃气安全，要害在于狠抓落实，必须落实企业主体责任。") == []
    assert texts("隐患排查是防范事故的第一道防线，必须全面开展。") == []


def test_carrying_the_meetings_spirit_into_the_work_is_no_checkable_act():
    text = "各部门要把会议精神传达到每一名干部，把会议精神真正落实到工作中、落实到行动中。"
    assert texts(text) == []


def test_calling_on_the_public_and_the_press_to_watch_is_no_checkable_act():
    assert texts("要加强社会监督和舆论监督，营造全民参与的良好氛围。") == []


def test_economic_work_in_the_same_speech_is_not_a_safety_directive():
    assert texts("要围绕稳定经济运行、招商引资等重点工作，进一步细化完善跟进措施。") == []


def test_a_safety_order_that_names_the_economy_still_counts():
    text = "各乡镇要统筹经济发展和安全，全面开展企业隐患排查。"
    assert texts(text) == [text]


def test_a_report_that_quotes_a_speakers_demand_without_a_comma_keeps_it():
    report = "近日，副县长带队检查了县城燃气企业。他要求各企业严格落实主体责任，加强隐患排查。"
    assert texts(report) == ["他要求各企业严格落实主体责任，加强隐患排查。"]
    report = "近日，县应急局对5家企业开展了检查。县应急局要求各企业立即整改隐患，建立隐患台账。"
    assert texts(report) == ["县应急局要求各企业立即整改隐患，建立隐患台账。"]


def test_a_meeting_report_whose_arrangements_follow_a_colon_is_not_a_report():
    report = (
        "会议传达了上级会议精神，通报了上月安全生产情况。会议就做好二季度工作作出部署："
        "狠抓燃气隐患排查整治，开展一次消防安全大检查。"
    )
    assert len(texts(report)) == 1
