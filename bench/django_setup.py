"""Django set up for a benchmark run through the test client: production mode, no manifest."""

import os
import secrets


def setup_django() -> None:
    """DEBUG off as in production, a throwaway key and host, plain static file names.

    Production mode refuses the development key; a throwaway one is right for a benchmark. The
    manifest storage would need collectstatic first, which timing pages does not need.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
