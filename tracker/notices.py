"""In-app notices to a unit about one of its tasks: 退回, 延期审批 and 督办单.

Written inside the caller's transaction, so a notice exists exactly when the change it
announces was committed.
"""

from datetime import datetime

from tracker.models import Assignment, Notice


def notify(
    *,
    assignment: Assignment,
    key: str,
    title: str,
    body: str,
    at: datetime,
    level: str = "",
) -> Notice:
    return Notice.objects.create(
        unit_id=assignment.unit_id,
        assignment=assignment,
        key=key,
        title=title[:200],
        body=body,
        level=level,
        created_at=at,
    )
