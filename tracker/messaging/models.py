"""Channels (where a unit's messages go) and deliveries (one message to one channel, with its
attempts): the delivery log the office reads."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tracker import channels
from tracker.models import OutboxMessage, Unit

ALL_KINDS = [kind for kind, _ in OutboxMessage.Kind.choices]


class Channel(models.Model):
    """A 钉钉 or 企业微信 group robot, an SMS gateway with its numbers, or e-mail addresses; of a
    unit (its group) or of one person (only their messages).

    The settings (config) hold the provider's secrets as typed: the worker needs them. Pages
    show them masked and nothing logs them (tracker.channels.redact)."""

    kind = models.CharField("渠道类型", max_length=20)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name="单位",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name="个人",
    )
    name = models.CharField("名称", max_length=60)
    config = models.JSONField("设置", default=dict)
    # Which messages go here (OutboxMessage.Kind values): a unit may want 督办单 by SMS and
    # everything in its 钉钉 group.
    kinds = models.JSONField("接收的消息", default=list)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="设置人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    last_test_at = models.DateTimeField("最近测试", null=True, blank=True)
    last_test_outcome = models.CharField("测试结果", max_length=10, blank=True)
    last_test_detail = models.CharField("测试应答", max_length=500, blank=True)

    class Meta:
        verbose_name = "消息渠道"
        verbose_name_plural = "消息渠道"
        ordering = ["unit__sort_order", "unit__name", "user__username", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, user__isnull=True)
                | Q(unit__isnull=True, user__isnull=False),
                name="channel_of_unit_or_user",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} · {self.name}"

    @property
    def transport(self):
        return channels.get(self.kind)

    @property
    def kind_label(self) -> str:
        return dict(channels.choices()).get(self.kind, self.kind)

    def wants(self, kind: str) -> bool:
        return self.active and kind in (self.kinds or [])


class Delivery(models.Model):
    """One outbox message to one channel: pending → sending → sent, or retrying → … → failed.

    A message to an account's own e-mail address (the daily reminder, as before the channels)
    has no channel, only the address."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        RETRYING = "retrying", "等待重试"
        SENT = "sent", "已发送"
        FAILED = "failed", "失败"

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="deliveries", verbose_name="消息"
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name="渠道",
    )
    address = models.CharField("邮箱", max_length=254, blank=True)
    transport = models.CharField("渠道类型", max_length=20)
    # What the log shows: 钉钉群机器人 · 城关镇安全生产群, never a secret.
    target = models.CharField("发往", max_length=120)
    # What the provider's rate limit counts (a robot, an SMS account), as a digest: the
    # webhook itself holds the robot's token.
    endpoint = models.CharField("限流对象", max_length=64)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now)
    # A claimed delivery belongs to one worker until then; after it, another may take it over
    # (the first was killed mid-send).
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    detail = models.CharField("应答", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "消息投递"
        verbose_name_plural = "消息投递"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sending", "retrying", "sent", "failed"]),
                name="delivery_state_valid",
            ),
            # A worker fanning a message out twice still sends it once per channel.
            models.UniqueConstraint(
                fields=["message", "channel"],
                condition=Q(channel__isnull=False),
                name="delivery_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["message", "address"],
                condition=~Q(address=""),
                name="delivery_once_per_address",
            ),
        ]
        indexes = [
            # The worker's queue: deliveries due now, in order.
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            # The delivery log, newest first, and a unit's own.
            models.Index(fields=["-created_at"], name="delivery_log"),
        ]

    def __str__(self):
        return f"{self.target} · {self.get_state_display()}"


class Attempt(models.Model):
    """One try to send (a delivery's, or a 测试发送): when, and what the provider answered.

    The rate limiter counts these per endpoint, including the tries whose worker was killed
    before the answer came."""

    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tries",
        verbose_name="投递",
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="渠道",
    )
    endpoint = models.CharField("限流对象", max_length=64)
    started_at = models.DateTimeField("开始", default=timezone.now)
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, blank=True)
    detail = models.CharField("应答", max_length=500, blank=True)
    # The provider said to wait (钉钉 holds a robot 10 minutes after it went too fast): no try
    # on this endpoint before then, whichever message.
    hold_until = models.DateTimeField("暂停至", null=True, blank=True)

    class Meta:
        verbose_name = "发送尝试"
        verbose_name_plural = "发送尝试"
        ordering = ["-started_at", "-id"]
        indexes = [
            # The rate limiter: tries on one endpoint within the provider's window.
            models.Index(fields=["endpoint", "started_at"], name="attempt_window"),
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
