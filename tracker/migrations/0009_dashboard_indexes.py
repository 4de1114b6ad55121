# Two covering indexes for the dashboard at county scale (100,000 assignments): each of its two
# scans of the assignments reads one of them alone, in index order, without touching the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklist", "0001_initial"),
        ("tracker", "0008_drop_redundant_indexes"),
    ]

    operations = [
        # dashboard._league: SELECT unit_id, role, status, COUNT(*), COUNT(…due_date < today)
        # … GROUP BY unit_id, role, status — the league table (应完成, 已办结 … 逾期) per unit.
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                fields=["unit", "role", "status", "due_date", "item"],
                name="assignment_unit_role_status",
            ),
        ),
        # dashboard._by_item: SELECT due_date, item_id, role, COUNT(*), GROUP_CONCAT(percent) …
        # GROUP BY due_date, item_id, role — light counts and progress by theme; the lookups
        # by (due_date, item_id) of filters._open_in_windows (红灯/黄灯/绿灯 filter of the task
        # list, the dashboard's red list); and the task list's page ORDER BY due_date, which
        # SQLite then reads in index order and stops after 25 rows instead of sorting them all.
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                fields=["due_date", "item", "role", "status", "percent", "quantity_done", "unit"],
                name="assignment_due_item_role",
            ),
        ),
        # dashboard._weekly_completion: SELECT COUNT(…verified_at < week end) … per week WHERE
        # status = 'verified' AND role IN (牵头, 责任) — the 完成率走势 chart. Partial: only
        # verified rows are indexed, so other writes do not pay for it. status leads, so that
        # SQLite's planner (status = ? AND role IN …) prefers it to assignment_status_due.
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("status", "verified")),
                fields=["status", "role", "verified_at", "item", "unit"],
                name="assignment_verified_at",
            ),
        ),
    ]
