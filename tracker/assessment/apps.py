from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """年度考核: each township's and department's score, computed from what was tracked.

    A wing of the tracker: it reads the core's assignments, history and 督办单 and, when they
    are installed, the hazards', registers' and accidents' wings; the core never imports it.
    """

    name = "tracker.assessment"
    label = "assessment"
    verbose_name = "年度考核"
