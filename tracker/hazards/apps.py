from django.apps import AppConfig


class HazardsConfig(AppConfig):
    """The 隐患台账: hazards found, their 五落实 整改, 验收 and 销号, and 挂牌督办.

    A wing of the tracker: it reads the core's units, users and tasks and the registers'
    enterprises and grids; the core never imports it.
    """

    name = "tracker.hazards"
    label = "hazards"
    verbose_name = "隐患排查治理台账"

    def ready(self):
        from django.db.models.signals import post_migrate

        # A migration that rebuilt the table on SQLite dropped the text index's triggers.
        post_migrate.connect(_text_index_after_migrating, sender=self)
        # An 排查 task's progress can be measured from the hazards linked to it.
        from tracker import extensions
        from tracker.hazards import home, measures

        measures.register()
        # Overdue 整改 on the home pages and the dashboard.
        home.register(extensions)


def _text_index_after_migrating(*, using, plan=None, **kwargs):
    from django.db import connections

    from tracker.hazards import text_index

    # Only what is missing is built; nothing when this migrate rolled the hazards back.
    if plan and not any(m.app_label == "hazards" and backwards for m, backwards in plan):
        text_index.ensure(connections[using])
