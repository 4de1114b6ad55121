from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "督办执行"

    def ready(self):
        # The sign-in signal receivers (throttle counters, security log), and measured items
        # measured again when a register they read from changes.
        from tracker import measuring, security  # noqa: F401

        measuring.connect()
