from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Where the messages go: each unit's (and each 联络员's) channels — 钉钉 and 企业微信 group
    robots, SMS, e-mail — and the worker that delivers the core's outbox to them with retries.

    A wing of the tracker: it reads the core's outbox, units and users; the core never imports
    it. The sending itself is tracker.channels, one module per kind.
    """

    name = "tracker.messaging"
    label = "messaging"
    verbose_name = "消息推送"
