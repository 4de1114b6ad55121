from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "督办执行"

    def ready(self):
        # Connects the sign-in signal receivers (throttle counters, security log).
        from tracker import security  # noqa: F401
