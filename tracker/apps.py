from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "督办执行"

    def ready(self):
        # The sign-in signal receivers (throttle counters, security log), and measured items
        # measured again when a register they read from changes.
        from tracker import measuring, security  # noqa: F401

        measuring.connect()
        post_migrate.connect(_analyze_after_migrating, sender=self)


def _analyze_after_migrating(*, using, plan=None, **kwargs):
    """The query plans depend on the planner's statistics (SQLite keeps none unless asked):
    gather them again after a migrate that changed tables or indexes. Empty tables get none,
    so a new database is planned as before."""
    if plan:
        with connections[using].cursor() as cursor:
            cursor.execute("ANALYZE")
