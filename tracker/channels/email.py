"""E-mail, through the site's own mail settings (EMAIL_HOST …), as the daily reminders went
before the other channels existed. The notice's title is the subject and its whole text the
body, with the link."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from tracker.channels.base import FAILED, RETRY, SENT, ConfigError, Field, Message, Result, emails

KIND = "email"
LABEL = "电子邮件"
RATE = (60, 60)
OFFICE_ONLY = False
FIELDS = (Field("addresses", "收件邮箱", kind="emails", help="每行一个"),)


def clean(config: dict) -> dict:
    addresses = emails(config.get("addresses"))
    if not addresses:
        raise ConfigError("请填写至少一个收件邮箱。")
    return {"addresses": addresses}


def endpoint(config: dict) -> str:
    return f"smtp:{settings.EMAIL_HOST}"


def compose(message: Message, config: dict) -> EmailMessage:
    subject = f"【督办台账】{message.title or message.text}"[:150]
    body = message.body or message.text
    if message.url:
        body += f"\n\n在系统中查看：{message.url}"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, list(config["addresses"]))


def send(message: Message, config: dict, *, timeout: float) -> Result:
    mail = compose(message, config)
    try:
        sent = get_connection(timeout=timeout).send_messages([mail])
    except smtplib.SMTPRecipientsRefused as exc:
        return Result(FAILED, f"收件人被拒绝：{', '.join(exc.recipients)}")
    except smtplib.SMTPResponseException as exc:
        words = f"SMTP {exc.smtp_code}：{exc.smtp_error!r}"
        # 4xx is the server's "try later"; 5xx is final.
        return Result(RETRY if 400 <= exc.smtp_code < 500 else FAILED, words)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        return Result(RETRY, f"邮件服务器连接失败：{exc}")
    if not sent:
        return Result(RETRY, "邮件服务器未接收")
    return Result(SENT, f"已交邮件服务器（{len(config['addresses'])} 个收件人）")
