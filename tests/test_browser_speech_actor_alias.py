"""On a phone, the office maps an actor the extractor matched to no unit in one click."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_flow import shot, sign_in
from tracker import speech_review
from tracker.models import Unit, UnitAlias

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEECH = (
    "一、压实安全生产责任\n"
    "由县纪委监委牵头，对落实不力的单位开展监督执纪问责，本月底前完成。"
    "各村要落实网格员巡查制度。"
)


def test_the_office_maps_an_unmatched_actor_to_a_unit_on_a_phone(page, live_server, world):
    discipline = Unit.objects.create(name="县纪律检查委员会", kind="department", sort_order=40)
    speech = speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", day=world.today, text=SPEECH
    )
    candidate = speech.candidates.get(text__contains="县纪委监委")
    sign_in(page, live_server, "office")
    page.goto(f"{live_server.url}/speeches/{speech.pk}/review/")
    block = page.locator(f"#c{candidate.pk}")
    expect(block.get_by_text("县纪委监委（牵头，未对应单位）")).to_be_visible()
    block.get_by_label("「县纪委监委」（牵头）对应").fill("县纪律检查委员会")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the review page is wider than the phone: {width}px"
    shot(page, "speech-actor-1-unmatched")
    block.get_by_role("button", name="对应并保存为别名").click()
    expect(page.get_by_text("已对应到县纪律检查委员会，并保存为别名")).to_be_visible()
    block = page.locator(f"#c{candidate.pk}")
    expect(block.get_by_text("县纪委监委（牵头，对应县纪律检查委员会）")).to_be_visible()
    expect(block.get_by_role("button", name="对应并保存为别名")).to_have_count(0)
    expect(block.get_by_label("牵头单位")).to_have_value("县纪律检查委员会")
    shot(page, "speech-actor-2-mapped")
    assert UnitAlias.objects.get(alias="县纪委监委").unit == discipline
