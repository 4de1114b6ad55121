# Each of these single-column indexes is the leading column of another index, so it only
# costs writes. The indexes are dropped by name: altering the fields would make SQLite rebuild
# the history table and lose its append-only triggers.

import django.db.models.deletion
from django.db import migrations, models

REDUNDANT = [
    "tracker_assignment_item_id_d7bc303f",  # ⊂ assignment_unique_item_unit (item, unit)
    "tracker_assignment_unit_id_ff231181",  # ⊂ assignment_unit_status_due (unit, status, due)
    "tracker_statusupdate_assignment_id_35980ae8",  # ⊂ update_assignment_time
]


class Migration(migrations.Migration):
    dependencies = [
        ("checklist", "0001_initial"),
        ("tracker", "0007_login_attempt"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in REDUNDANT],
                    reverse_sql=[
                        'CREATE INDEX "tracker_assignment_item_id_d7bc303f" ON "tracker_assignment" ("item_id")',
                        'CREATE INDEX "tracker_assignment_unit_id_ff231181" ON "tracker_assignment" ("unit_id")',
                        'CREATE INDEX "tracker_statusupdate_assignment_id_35980ae8" ON "tracker_statusupdate" ("assignment_id")',
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assignments",
                        to="checklist.checklistitem",
                        verbose_name="任务",
                    ),
                ),
                migrations.AlterField(
                    model_name="assignment",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assignments",
                        to="tracker.unit",
                        verbose_name="单位",
                    ),
                ),
                migrations.AlterField(
                    model_name="statusupdate",
                    name="assignment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="history",
                        to="tracker.assignment",
                        verbose_name="责任分解",
                    ),
                ),
            ],
        )
    ]
