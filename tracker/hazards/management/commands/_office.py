from django.core.management.base import CommandError

from tracker.models import User


def office_user(username: str | None) -> User:
    users = User.objects.filter(is_active=True)
    office = (
        users.filter(username=username).first()
        if username
        else users.filter(role=User.Role.OFFICE).order_by("pk").first()
    )
    if office is None or not office.is_office:
        raise CommandError(
            "没有可用的安委办账号：请用 --user 指定，或先运行 load_demo / createsuperuser。"
        )
    return office
