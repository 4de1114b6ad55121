"""消息推送 pages: the office sets any unit's channels, a 联络员 their own unit's (SMS is the
office's), secrets are shown masked and never come back to the page, 测试发送 shows the
provider's real answer, and the office reads the delivery log."""

from datetime import timedelta

from django.urls import reverse

from tests.fake_provider import (  # noqa: F401
    DINGTALK_SECRET,
    TOKEN,
    add_channel,
    aliyun_config,
    dingtalk_config,
    provider_fixture,
)
from tracker import services
from tracker.messaging import worker
from tracker.messaging.models import Channel, Delivery
from tracker.supervision import supervise


def robot_form(provider, **extra):
    return {
        "name": "河西镇安全生产工作群",
        "webhook": f"{provider.url}/robot/send?access_token={TOKEN}",
        "secret": DINGTALK_SECRET,
        "at_mobiles": "13800000011",
        "kinds": ["supervision", "return", "reminder"],
        "active": "on",
        **extra,
    }


def test_the_office_sets_up_a_units_dingtalk_robot(login, world, provider, events):
    client = login(world.office)
    url = reverse("messaging:channel_new", args=[world.town_b.pk, "dingtalk"])
    response = client.post(url, robot_form(provider))
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.unit == world.town_b and channel.kinds == ["reminder", "supervision", "return"]
    assert channel.config == {
        "webhook": f"{provider.url}/robot/send?access_token={TOKEN}",
        "secret": DINGTALK_SECRET,
        "at_mobiles": ["13800000011"],
    }
    (event,) = [e for e in events() if e.security["action"] == "channel_save"]
    assert TOKEN not in event.getMessage() and DINGTALK_SECRET not in event.getMessage()


def test_the_page_shows_secrets_masked_and_never_whole(login, world, provider):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b, name="河西镇群")
    client = login(world.office)
    for url in [
        reverse("messaging:unit_channels", args=[world.town_b.pk]),
        reverse("messaging:channel_edit", args=[Channel.objects.get().pk]),
    ]:
        page = client.get(url).content.decode()
        assert TOKEN not in page and DINGTALK_SECRET not in page
        assert f"access_token={TOKEN[:3]}••••••{TOKEN[-4:]}" in page
        assert f"{DINGTALK_SECRET[:3]}••••••{DINGTALK_SECRET[-4:]}" in page


def test_editing_with_the_secrets_left_blank_keeps_them(login, world, provider):
    channel = add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    client = login(world.staff_b)
    form = robot_form(provider, webhook="", secret="", name="改名后的群", kinds=["supervision"])
    response = client.post(reverse("messaging:channel_edit", args=[channel.pk]), form)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "改名后的群" and channel.kinds == ["supervision"]
    assert channel.config["secret"] == DINGTALK_SECRET and TOKEN in channel.config["webhook"]


def test_a_wrong_setting_is_refused_with_the_setting_named(login, world, provider):
    client = login(world.staff_b)
    url = reverse("messaging:channel_new", args=[world.town_b.pk, "dingtalk"])
    response = client.post(url, robot_form(provider, secret="abc"))
    assert response.status_code == 200
    assert "加签密钥以 SEC 开头" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_liaison_cannot_touch_another_units_channels(login, world, provider):
    theirs = add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    client = login(world.staff_a)
    assert client.get(reverse("messaging:unit_channels", args=[world.town_b.pk])).status_code == 404
    new = reverse("messaging:channel_new", args=[world.town_b.pk, "dingtalk"])
    assert client.post(new, robot_form(provider)).status_code == 404
    for name in ("channel_edit", "channel_test", "channel_delete"):
        assert client.post(reverse(f"messaging:{name}", args=[theirs.pk])).status_code == 404
    assert Channel.objects.get() == theirs


def test_sms_is_set_up_by_the_office_not_by_a_liaison(login, world, provider):
    client = login(world.staff_b)
    url = reverse("messaging:channel_new", args=[world.town_b.pk, "sms_aliyun"])
    assert client.get(url).status_code == 403
    sms = add_channel("sms_aliyun", aliyun_config(provider), unit=world.town_b)
    assert client.get(reverse("messaging:channel_edit", args=[sms.pk])).status_code == 403
    page = client.get(reverse("messaging:unit_channels", args=[world.town_b.pk])).content.decode()
    assert (
        "短信渠道由安委办统一设置" in page
        and aliyun_config(provider)["access_key_secret"] not in page
    )


def test_the_test_button_shows_the_providers_real_answer(login, world, provider):
    channel = add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    client = login(world.staff_b)
    response = client.post(reverse("messaging:channel_test", args=[channel.pk]), follow=True)
    assert "发送成功。服务商应答：errcode 0：ok" in response.content.decode()
    (request,) = provider.of("dingtalk")
    assert request.json["text"]["content"].startswith("【安委办测试】河西镇：这是一条测试消息")
    provider.script("dingtalk", "refuse")
    response = client.post(reverse("messaging:channel_test", args=[channel.pk]), follow=True)
    assert "发送失败。服务商应答：errcode 310000：sign not match" in response.content.decode()
    channel.refresh_from_db()
    assert channel.last_test_outcome == "failed"


def test_the_office_reads_the_delivery_log_with_the_providers_words_and_sends_again(
    login, world, provider
):
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.today - timedelta(days=3)
    )
    world.b_item.refresh_from_db()
    channel = add_channel("dingtalk", dingtalk_config(provider) | {"secret": "SECwrong"},
                          unit=world.town_b, name="河西镇群")  # fmt: skip
    supervise(assignment=world.b_item, user=world.office)
    worker.run_once()
    client = login(world.office)
    page = client.get(reverse("messaging:delivery_log") + "?state=failed").content.decode()
    assert "河西镇群" in page and "errcode 310000：sign not match" in page
    channel.config["secret"] = dingtalk_config(provider)["secret"]
    channel.save()
    delivery = Delivery.objects.get()
    client.post(reverse("messaging:delivery_retry", args=[delivery.pk]))
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == "sent"


def test_only_the_office_reads_the_whole_log(login, world):
    assert login(world.staff_a).get(reverse("messaging:delivery_log")).status_code == 403
    assert login(world.leader).get(reverse("messaging:home")).status_code == 403
