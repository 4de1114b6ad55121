from django.apps import AppConfig


class AccidentsConfig(AppConfig):
    """The 事故台账 and each unit's 控制指标 for the year.

    A wing of the tracker: it reads the core's units and users and the registers' industries and
    enterprises; the core never imports it (its dashboard tile comes in through
    tracker.extensions).
    """

    name = "tracker.accidents"
    label = "accidents"
    verbose_name = "生产安全事故台账"

    def ready(self):
        from tracker import extensions
        from tracker.accidents.dashboard import tile

        extensions.register_dashboard_tile(
            extensions.Panel(name="accidents", template="accidents/_tile.html", build=tile)
        )
